/*
 * The CPU as the oracle for pdbg's emulation table (src/debugger/emulate.ts): each row below is
 * one instruction, run on registers read from stdin, with every general register and rflags
 * recorded right after it.
 *
 *   emurows list               one line per row: NAME HEXBYTES (the row's bytes as gas encoded them;
 *                              a jmp's bytes run up to its target)
 *   emurows < cases            each case line: NAME RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 FLAGS (hex;
 *                              RSP `S` = a scratch stack, for the rows that write memory)
 *                              prints: NAME PREFLAGS RAX..R15 FLAGS STACKADDR [OFF=WORD…] (hex), where
 *                              PREFLAGS is rflags as popfq left it before the row, and the words are
 *                              the scratch stack's words that changed (it is filled with 0xa5 first)
 *
 * Registers are in iced-x86's order (rax rcx rdx rbx rsp rbp rsi rdi r8…r15). rsp may be any
 * value for the rows that do not touch memory: the row runs on it, everything is saved through
 * rip-relative stores, and the real rsp comes back before pushfq. No signal is expected meanwhile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t row_in[17], row_out[17], row_pre_flags, row_saved_rsp;
uint64_t scratch_stack[512] __attribute__((aligned(4096)));


/* The prologue loads rflags and the registers, the row runs, the epilogue saves them all. */
#define ROW(name, insn)                                                                            \
	extern void row_##name(void);                                                              \
	extern char row_##name##_insn[], row_##name##_end[];                                      \
	__asm__(".text\n.globl row_" #name "\n.type row_" #name ",@function\nrow_" #name ":\n"       \
	        "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"                \
	        "mov %rsp, row_saved_rsp(%rip)\n"                                                  \
	        "pushq row_in+128(%rip)\npopfq\npushfq\npopq row_pre_flags(%rip)\n"                 \
	        "mov row_in+0(%rip),%rax\nmov row_in+8(%rip),%rcx\nmov row_in+16(%rip),%rdx\n"      \
	        "mov row_in+24(%rip),%rbx\nmov row_in+40(%rip),%rbp\nmov row_in+48(%rip),%rsi\n"    \
	        "mov row_in+56(%rip),%rdi\nmov row_in+64(%rip),%r8\nmov row_in+72(%rip),%r9\n"      \
	        "mov row_in+80(%rip),%r10\nmov row_in+88(%rip),%r11\nmov row_in+96(%rip),%r12\n"    \
	        "mov row_in+104(%rip),%r13\nmov row_in+112(%rip),%r14\nmov row_in+120(%rip),%r15\n" \
	        "mov row_in+32(%rip),%rsp\n"                                                       \
	        ".globl row_" #name "_insn\nrow_" #name "_insn:\n" insn "\n"                       \
	        ".globl row_" #name "_end\nrow_" #name "_end:\n"                                   \
	        "mov %rax,row_out+0(%rip)\nmov %rcx,row_out+8(%rip)\nmov %rdx,row_out+16(%rip)\n"   \
	        "mov %rbx,row_out+24(%rip)\nmov %rsp,row_out+32(%rip)\nmov %rbp,row_out+40(%rip)\n" \
	        "mov %rsi,row_out+48(%rip)\nmov %rdi,row_out+56(%rip)\nmov %r8,row_out+64(%rip)\n"  \
	        "mov %r9,row_out+72(%rip)\nmov %r10,row_out+80(%rip)\nmov %r11,row_out+88(%rip)\n"  \
	        "mov %r12,row_out+96(%rip)\nmov %r13,row_out+104(%rip)\nmov %r14,row_out+112(%rip)\n" \
	        "mov %r15,row_out+120(%rip)\n"                                                     \
	        "mov row_saved_rsp(%rip),%rsp\n"                                                   \
	        "pushfq\npopq row_out+128(%rip)\n"                                                 \
	        "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");

ROW(push_rbp, "push %rbp")
ROW(push_rbx, "push %rbx")
ROW(push_r12, "push %r12")
ROW(push_r15, "push %r15")
ROW(push_rsp, "push %rsp")
ROW(endbr64, "endbr64")
ROW(nop, "nop")
ROW(xchg_ax_ax, ".byte 0x66,0x90")
ROW(nopl, "nopl 0x0(%rax)")
ROW(nopw, "nopw 0x0(%rax,%rax,1)")
ROW(nopw_cs, ".byte 0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0")
ROW(mov_rsp_rbp, ".byte 0x48,0x89,0xe5")
ROW(mov_rsp_rbp_8b, ".byte 0x48,0x8b,0xec")
ROW(mov_rdi_rax, "mov %rdi,%rax")
ROW(mov_rcx_r10, "mov %rcx,%r10")
ROW(mov_edi_edx, "mov %edi,%edx")
ROW(mov_r8d_eax, "mov %r8d,%eax")
ROW(mov_esp_r11d, "mov %esp,%r11d")
ROW(mov_imm_eax, "mov $0x3c,%eax")
ROW(mov_imm_r9d, "mov $0x80000001,%r9d")
ROW(mov_imm_rax, "movq $-2,%rax")
ROW(movabs_r11, "movabs $0x1122334455667788,%r11")
ROW(sub8_rsp, ".byte 0x48,0x83,0xec,0x08")
ROW(sub32_rsp, ".byte 0x48,0x81,0xec,0xd8,0,0,0")
ROW(sub_m128_rsp, ".byte 0x48,0x83,0xec,0x80")
ROW(sub1_rax, ".byte 0x48,0x83,0xe8,0x01")
ROW(sub_rax_short, ".byte 0x48,0x2d,0,0,0,0x80")
ROW(sub32_rbx, ".byte 0x48,0x81,0xeb,0xff,0xff,0,0")
ROW(add8_rsp, ".byte 0x48,0x83,0xc4,0x08")
ROW(add1_rbx, ".byte 0x48,0x83,0xc3,0x01")
ROW(add_rax_short, ".byte 0x48,0x05,0xff,0xff,0xff,0x7f")
ROW(add_m1_r13, ".byte 0x49,0x83,0xc5,0xff")
ROW(add32_r8, ".byte 0x49,0x81,0xc0,0,0,0,0x80")
ROW(lea_rdi_rax, "lea 0x1(%rdi),%rax")
ROW(lea_sib_rdx, "lea -0x80(%rdi,%rsi,4),%rdx")
ROW(lea_index_r9d, "lea 0x7fffffff(,%rbx,8),%r9d")
ROW(lea_r13_r8, "lea (%r13,%r8,2),%r13")
ROW(store_rax_rbp, "mov %rax,-0x30(%rbp)")
ROW(store_rdi_rsp, "mov %rdi,0x8(%rsp)")
ROW(store_rsp_rsp, "mov %rsp,-0x10(%rsp)")
ROW(store_r12_rbp, "mov %r12,(%rbp)")
ROW(jmp8, ".byte 0xeb,0x03\nint3\nint3\nint3")
ROW(jmp32, ".byte 0xe9,0x02,0,0,0\nint3\nint3")

struct row {
	const char *name;
	void (*fn)(void);
	const char *insn, *end;
};

#define R(name) { #name, row_##name, row_##name##_insn, row_##name##_end }
static const struct row rows[] = {
	R(push_rbp), R(push_rbx), R(push_r12), R(push_r15), R(push_rsp), R(endbr64), R(nop),
	R(xchg_ax_ax), R(nopl), R(nopw), R(nopw_cs), R(mov_rsp_rbp), R(mov_rsp_rbp_8b), R(mov_rdi_rax),
	R(mov_rcx_r10), R(mov_edi_edx), R(mov_r8d_eax), R(mov_esp_r11d), R(mov_imm_eax), R(mov_imm_r9d),
	R(mov_imm_rax), R(movabs_r11), R(sub8_rsp), R(sub32_rsp), R(sub_m128_rsp), R(sub1_rax),
	R(sub_rax_short), R(sub32_rbx), R(add8_rsp), R(add1_rbx), R(add_rax_short), R(add_m1_r13),
	R(add32_r8), R(lea_rdi_rax), R(lea_sib_rdx), R(lea_index_r9d), R(lea_r13_r8), R(store_rax_rbp), R(store_rdi_rsp), R(store_rsp_rsp), R(store_r12_rbp), R(jmp8), R(jmp32),
};
#define NROWS (sizeof rows / sizeof rows[0])
#define STACK_FILL 0xa5a5a5a5a5a5a5a5ull
/* The scratch rsp: well inside its page, so a push stays in it (emulate.ts planApplies). */
#define STACK_TOP (&scratch_stack[256])

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < NROWS; i++) {
			printf("%s ", rows[i].name);
			for (const char *p = rows[i].insn; p < rows[i].end; p++) printf("%02x", (unsigned char)*p);
			printf("\n");
		}
		return 0;
	}
	char line[1024];
	while (fgets(line, sizeof line, stdin)) {
		char name[64];
		int used;
		if (sscanf(line, "%63s%n", name, &used) != 1) continue;
		const struct row *r = NULL;
		for (size_t i = 0; i < NROWS; i++)
			if (strcmp(rows[i].name, name) == 0) r = &rows[i];
		if (!r) {
			fprintf(stderr, "emurows: no row %s\n", name);
			return 1;
		}
		char *p = line + used;
		for (int i = 0; i < 17; i++) {
			while (*p == ' ') p++;
			if ((i == 4 || i == 5) && *p == 'S') {
				row_in[i] = (uint64_t)(uintptr_t)STACK_TOP;
				p++;
			} else {
				row_in[i] = strtoull(p, &p, 16);
			}
		}
		for (size_t i = 0; i < 512; i++) scratch_stack[i] = STACK_FILL;
		r->fn();
		printf("%s %" PRIx64, name, row_pre_flags);
		for (int i = 0; i < 17; i++) printf(" %" PRIx64, row_out[i]);
		printf(" %" PRIxPTR, (uintptr_t)scratch_stack);
		for (size_t i = 0; i < 512; i++)
			if (scratch_stack[i] != STACK_FILL) printf(" %zx=%" PRIx64, i * 8, scratch_stack[i]);
		printf("\n");
	}
	return 0;
}
