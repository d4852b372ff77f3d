/** The loopback sshd of the chain tests lives with the bench, which starts one too (its ssh rows). */
export * from '../../bench/sshd.js';
