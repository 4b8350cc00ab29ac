/**
 * The CPU a native binary is built for, read from its ELF header: the layer and container
 * tests check that every addon and shared library matches the CPU it will run on.
 */

/** ELF e_machine values of the two Lambda and Fargate CPUs. */
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * e_machine of an ELF file (read little-endian, as on both CPUs), or undefined for a file
 * that is not ELF.
 *
 * @example
 * ```ts
 * expect(elfMachine(readFileSync('sharp-linux-arm64.node'))).toBe(EM_AARCH64);
 * ```
 */
export function elfMachine(data: Buffer): number | undefined {
  return data.subarray(0, 4).equals(ELF_MAGIC) ? data.readUInt16LE(18) : undefined;
}
