/*
 * Functions whose first instruction is each row of pdbg's emulation table (and one that is
 * not in it), for the end-to-end equivalence test: run with and without breakpoints on every
 * entry, the output must be the same byte for byte.
 *
 * main calls each entry ITER times through `enter`, which moves to a stack of its own, fills
 * it with a pattern, sets every register and rflags to values that vary with the call, and calls the
 * entry. Each entry runs its instruction, a `nop`, then jumps to `record`, which stores every
 * register, rflags and the stack words between rsp and the return address, and returns to
 * `enter`'s caller. Values within 64 KiB of the stack are printed relative to it (`S-0x10`), so
 * the layout the kernel chose (ASLR) does not matter.
 * Usage: emuentries [ITER]   prints `ready PID`, the records, then `done N`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Read and written by the assembly below. */
uint64_t enter_regs[16], enter_flags, enter_base, enter_target, enter_top, enter_saved_rsp;
/*
 * The entries run on this stack, not the thread's: its address is random (ASLR) only above
 * bit 12, so the flags of `sub $8,%rsp` are the same in every run.
 */
uint64_t entry_stack[8192] __attribute__((aligned(4096)));
uint64_t rec_regs[16], rec_flags, rec_rsp, rec_words[40];
uint64_t rec_nwords;

__asm__(
	".text\n"
	/* enter(fn): the caller's callee-saved registers are kept on its own stack, above base. */
	".globl enter\n.type enter,@function\nenter:\n"
	"push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
	"mov %rsp, enter_saved_rsp(%rip)\nmov enter_top(%rip), %rsp\n"
	"mov %rdi, enter_target(%rip)\n"
	"mov $0x5a5a5a5a5a5a5a5a, %rax\nlea -320(%rsp), %rcx\n"
	"1: mov %rax, (%rcx)\nadd $8, %rcx\ncmp %rsp, %rcx\njb 1b\n"
	"mov %rsp, enter_base(%rip)\n"
	"pushq enter_flags(%rip)\npopfq\n"
	"mov enter_regs+0(%rip),%rax\nmov enter_regs+8(%rip),%rcx\nmov enter_regs+16(%rip),%rdx\n"
	"mov enter_regs+24(%rip),%rbx\nmov enter_regs+40(%rip),%rbp\nmov enter_regs+48(%rip),%rsi\n"
	"mov enter_regs+56(%rip),%rdi\nmov enter_regs+64(%rip),%r8\nmov enter_regs+72(%rip),%r9\n"
	"mov enter_regs+80(%rip),%r10\nmov enter_regs+88(%rip),%r11\nmov enter_regs+96(%rip),%r12\n"
	"mov enter_regs+104(%rip),%r13\nmov enter_regs+112(%rip),%r14\nmov enter_regs+120(%rip),%r15\n"
	"call *enter_target(%rip)\n"
	"mov enter_saved_rsp(%rip), %rsp\n"
	"pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n"
	".size enter, .-enter\n"

	/* record: everything as the entry's instruction (and a nop) left it. */
	"record:\n"
	"mov %rax,rec_regs+0(%rip)\nmov %rcx,rec_regs+8(%rip)\nmov %rdx,rec_regs+16(%rip)\n"
	"mov %rbx,rec_regs+24(%rip)\nmov %rsp,rec_regs+32(%rip)\nmov %rbp,rec_regs+40(%rip)\n"
	"mov %rsi,rec_regs+48(%rip)\nmov %rdi,rec_regs+56(%rip)\nmov %r8,rec_regs+64(%rip)\n"
	"mov %r9,rec_regs+72(%rip)\nmov %r10,rec_regs+80(%rip)\nmov %r11,rec_regs+88(%rip)\n"
	"mov %r12,rec_regs+96(%rip)\nmov %r13,rec_regs+104(%rip)\nmov %r14,rec_regs+112(%rip)\n"
	"mov %r15,rec_regs+120(%rip)\n"
	/* Below anything the entry may have written (add $8,%rsp leaves rsp on the return address). */
	"lea -512(%rsp),%rsp\npushfq\npopq rec_flags(%rip)\nlea 512(%rsp),%rsp\n"
	/* The words from rsp up to the return address (at base-8): what the entry put there. */
	"xor %ecx,%ecx\nmov %rsp,%rsi\nmov enter_base(%rip),%rdi\nsub $8,%rdi\nlea rec_words(%rip),%rdx\n"
	"2: cmp %rdi,%rsi\njae 3f\ncmp $40,%rcx\njae 3f\nmov (%rsi),%rax\nmov %rax,(%rdx,%rcx,8)\n"
	"add $8,%rsi\ninc %rcx\njmp 2b\n"
	"3: mov %rcx, rec_nwords(%rip)\n"
	"mov enter_base(%rip),%rsp\nsub $8,%rsp\nret\n");

#define ENTRY(name, insn)                                                                  \
	extern void name(void);                                                            \
	__asm__(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n" insn "\n" \
	        "nop\njmp record\n.size " #name ", .-" #name "\n");

ENTRY(e_push_rbp, "push %rbp")
ENTRY(e_push_rbx, "push %rbx")
ENTRY(e_push_r12, "push %r12")
ENTRY(e_push_r15, "push %r15")
ENTRY(e_push_rsp, "push %rsp")
ENTRY(e_endbr64, "endbr64")
ENTRY(e_nop, "nop")
ENTRY(e_nopl, "nopl 0x0(%rax)")
ENTRY(e_nopw_cs, ".byte 0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0")
ENTRY(e_xchg_ax_ax, ".byte 0x66,0x90")
ENTRY(e_mov_rsp_rbp, ".byte 0x48,0x89,0xe5")
ENTRY(e_mov_rsp_rbp_8b, ".byte 0x48,0x8b,0xec")
ENTRY(e_mov_rdi_rax, "mov %rdi,%rax")
ENTRY(e_mov_rcx_r10, "mov %rcx,%r10")
ENTRY(e_mov_edi_edx, "mov %edi,%edx")
ENTRY(e_mov_imm_eax, "mov $0x3c,%eax")
ENTRY(e_mov_imm_rax, "movq $-2,%rax")
ENTRY(e_movabs_r11, "movabs $0x1122334455667788,%r11")
ENTRY(e_sub8_rsp, ".byte 0x48,0x83,0xec,0x08")
ENTRY(e_sub32_rsp, ".byte 0x48,0x81,0xec,0xd8,0,0,0")
ENTRY(e_add8_rsp, ".byte 0x48,0x83,0xc4,0x08")
ENTRY(e_sub1_rax, ".byte 0x48,0x83,0xe8,0x01")
ENTRY(e_add1_rax, ".byte 0x48,0x83,0xc0,0x01")
ENTRY(e_sub32_rbx, ".byte 0x48,0x81,0xeb,0x00,0x00,0x00,0x80")
ENTRY(e_jmp8, ".byte 0xeb,0x02\nint3\nint3")
/* Not in the table (AF is undefined after xor): stepped over, in the same run. */
ENTRY(e_xor_eax, "xor %eax,%eax")

static void (*const entries[])(void) = {
	e_push_rbp, e_push_rbx, e_push_r12, e_push_r15, e_push_rsp, e_endbr64, e_nop, e_nopl,
	e_nopw_cs, e_xchg_ax_ax, e_mov_rsp_rbp, e_mov_rsp_rbp_8b, e_mov_rdi_rax, e_mov_rcx_r10,
	e_mov_edi_edx, e_mov_imm_eax, e_mov_imm_rax, e_movabs_r11, e_sub8_rsp, e_sub32_rsp,
	e_add8_rsp, e_sub1_rax, e_add1_rax, e_sub32_rbx, e_jmp8, e_xor_eax,
};
#define NENTRIES (sizeof entries / sizeof entries[0])

extern void enter(void (*fn)(void));

/* Edge values for the arithmetic rows: zero, carries, signed overflow, nibble carries. */
static const uint64_t edges[] = {
	0, 1, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull, 0xf, 0x10, 0x80,
	0x7fffffff, 0x80000000ull, 0xffffffff00000000ull, 0x123456789abcdef0ull,
};
#define NEDGES (sizeof edges / sizeof edges[0])

static void show(uint64_t v, uint64_t base)
{
	int64_t d = (int64_t)(v - base);
	if (d > -0x10000 && d < 0x10000) printf(" S%+" PRId64, d);
	else printf(" %" PRIx64, v);
}

int main(int argc, char **argv)
{
	int iter = argc > 1 ? atoi(argv[1]) : 20;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	printf("ready %d\n", getpid());
	fflush(stdout);
	long calls = 0;
	for (int it = 0; it < iter; it++) {
		for (size_t e = 0; e < NENTRIES; e++) {
			for (int i = 0; i < 16; i++) enter_regs[i] = 0x0101010101010101ull * (uint64_t)(i + 1) + (uint64_t)it;
			enter_regs[0] = edges[(it + e) % NEDGES];      /* rax */
			enter_regs[3] = edges[(it * 5 + e) % NEDGES];  /* rbx */
			enter_regs[5] = edges[(it * 7 + e) % NEDGES];  /* rbp */
			/* Every arithmetic flag set or clear in turn, DF never (the ABI's). */
			enter_flags = 0x202 | ((it & 1) ? 0x8d5 : 0) | ((it & 2) ? 0x40 : 0);
			/* The last puts the entry's rsp on a page boundary: a push there is left to the CPU. */
			static const int adjust[] = { 0, -16, -40, 8 };
			enter_top = (uint64_t)(uintptr_t)&entry_stack[4096] + (uint64_t)(int64_t)adjust[it % 4];
			enter(entries[e]);
			calls++;
			uint64_t base = enter_base;
			printf("%d %zu", it, e);
			for (int i = 0; i < 16; i++) show(rec_regs[i], base);
			printf(" f=%" PRIx64 " n=%" PRIu64, rec_flags, rec_nwords);
			for (uint64_t w = 0; w < rec_nwords; w++) show(rec_words[w], base);
			printf("\n");
		}
	}
	printf("done %ld\n", calls);
	return 0;
}
