package dev.allo.examples.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Format-blind mutations: bit flips, inserted, deleted and overwritten bytes, truncation, extension, and size fields
 * overwritten with boundary values (0, -1, 2^31 - 1, 2^31, 2^32 - 1, 2^63 - 1, ...) in either byte order.
 */
final class ByteMutations {
    /** Boundary values written over 4- or 8-byte fields. */
    private static final long[] INTERESTING = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, Integer.MAX_VALUE,
        1L << 31, 0xFFFF_FFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_001L, 3_000_000_000L};

    private ByteMutations() {}

    /**
     * Applies one random byte-level mutation.
     *
     * @param in the bytes
     * @param rng the case's random source
     * @param sizeFields whether to favour overwriting 4- and 8-byte fields with boundary values (binary formats)
     * @param log where the mutation's description is appended
     * @return the mutated bytes
     */
    static byte[] mutate(byte[] in, Random rng, boolean sizeFields, StringBuilder log) {
        int choice = sizeFields && rng.nextInt(3) == 0 ? 6 : rng.nextInt(7);
        switch (choice) {
            case 0 -> {
                byte[] out = in.clone();
                int flips = 1 + rng.nextInt(8);
                for (int i = 0; i < flips && out.length > 0; i++) {
                    int at = rng.nextInt(out.length);
                    out[at] ^= (byte) (1 << rng.nextInt(8));
                }
                log.append("flip ").append(flips).append(" bits; ");
                return out;
            }
            case 1 -> {
                int at = rng.nextInt(in.length + 1);
                byte[] ins = new byte[1 + rng.nextInt(32)];
                rng.nextBytes(ins);
                log.append("insert ").append(ins.length).append(" bytes at ").append(at).append("; ");
                return splice(in, at, 0, ins);
            }
            case 2 -> {
                if (in.length == 0) {
                    return in;
                }
                int at = rng.nextInt(in.length);
                int len = 1 + rng.nextInt(Math.min(64, in.length - at));
                log.append("delete ").append(len).append(" bytes at ").append(at).append("; ");
                return splice(in, at, len, new byte[0]);
            }
            case 3 -> {
                int keep = in.length == 0 ? 0 : rng.nextInt(in.length);
                log.append("truncate to ").append(keep).append(" bytes; ");
                return Arrays.copyOf(in, keep);
            }
            case 4 -> {
                byte[] tail = new byte[1 + rng.nextInt(4096)];
                if (rng.nextBoolean()) {
                    rng.nextBytes(tail);
                }
                log.append("append ").append(tail.length).append(" bytes; ");
                return splice(in, in.length, 0, tail);
            }
            case 5 -> {
                byte[] out = in.clone();
                int n = 1 + rng.nextInt(16);
                for (int i = 0; i < n && out.length > 0; i++) {
                    out[rng.nextInt(out.length)] = (byte) rng.nextInt(256);
                }
                log.append("overwrite ").append(n).append(" random bytes; ");
                return out;
            }
            default -> {
                byte[] out = in.clone();
                int width = rng.nextBoolean() ? 4 : 8;
                if (out.length < width) {
                    return out;
                }
                // Field-aligned positions are likelier to hit a length or count.
                int at = rng.nextInt(out.length - width + 1);
                if (rng.nextBoolean()) {
                    at -= at % 4;
                }
                long value = INTERESTING[rng.nextInt(INTERESTING.length)];
                ByteOrder order = rng.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
                ByteBuffer b = ByteBuffer.wrap(out, at, width).order(order);
                if (width == 4) {
                    b.putInt((int) value);
                } else {
                    b.putLong(value);
                }
                log.append("write ").append(value).append(" as a ").append(width).append("-byte ").append(order)
                        .append(" field at ").append(at).append("; ");
                return out;
            }
        }
    }

    /** {@code in} with {@code deleted} bytes at {@code at} replaced by {@code inserted}. */
    static byte[] splice(byte[] in, int at, int deleted, byte[] inserted) {
        byte[] out = new byte[in.length - deleted + inserted.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(in, at + deleted, out, at + inserted.length, in.length - at - deleted);
        return out;
    }
}
