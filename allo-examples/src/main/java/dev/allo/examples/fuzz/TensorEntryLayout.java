package dev.allo.examples.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Layout-aware mutations of the library's checksummed tensor-entry files (masks and importance scores: 8 magic bytes,
 * a version, a tensor count, then per tensor {@code int32 nameLength, name, int32 rank, int64 dims[rank]} and a
 * body): a declared dimension, a mask's index count, or the tensor count is set to a boundary value, alone or
 * together, so that sizes that agree with each other but not with the file are tried. The caller fixes the checksum.
 */
final class TensorEntryLayout {
    private static final long[] SIZES = {0, 1, -1, 1L << 20, 100_000_001L, (1L << 29) - 1, 1L << 30,
        Integer.MAX_VALUE, 1L << 31, 1L << 40, Long.MAX_VALUE};

    /** Where one entry's fields are. */
    private record Entry(int dimsAt, int rank, int countAt) {}

    private TensorEntryLayout() {}

    /**
     * Mutates a valid file.
     *
     * @param seed the valid file
     * @param mask whether entries are mask entries ({@code byte kind}, then for kind 0 {@code int32 count} and the
     *     indices) rather than score entries ({@code float32} values)
     * @param rng the case's random source
     * @param log where the description is appended
     * @return the mutated bytes (checksum not fixed)
     */
    static byte[] mutate(byte[] seed, boolean mask, Random rng, StringBuilder log) {
        List<Entry> entries = parse(seed, mask);
        byte[] out = seed.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        if (rng.nextInt(6) == 0) {
            int count = (int) SIZES[rng.nextInt(SIZES.length)];
            b.putInt(12, count);
            log.append("set the tensor count to ").append(count).append("; ");
            return out;
        }
        Entry e = entries.get(rng.nextInt(entries.size()));
        long size = SIZES[rng.nextInt(SIZES.length)];
        // The first dimension carries the size, the others are 1, so that the element count is exactly `size`.
        for (int d = 0; d < e.rank; d++) {
            b.putLong(e.dimsAt + 8 * d, d == 0 ? size : 1);
        }
        log.append("set tensor #").append(entries.indexOf(e)).append("'s dims to [").append(size)
                .append(e.rank > 1 ? ", 1...]" : "]");
        if (e.countAt >= 0 && rng.nextBoolean()) {
            int count = rng.nextBoolean() ? (int) Math.min(size, Integer.MAX_VALUE) : (int) SIZES[rng.nextInt(
                    SIZES.length)];
            b.putInt(e.countAt, count);
            log.append(" and its index count to ").append(count);
        }
        return out;
    }

    private static List<Entry> parse(byte[] seed, boolean mask) {
        ByteBuffer b = ByteBuffer.wrap(seed);
        int count = b.getInt(12);
        int at = 16;
        List<Entry> entries = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            at += 4 + b.getInt(at);
            int rank = b.getInt(at);
            at += 4;
            int dimsAt = at;
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                elements *= b.getLong(at);
                at += 8;
            }
            int countAt = -1;
            if (mask) {
                byte kind = b.get(at++);
                if (kind == 0) {
                    countAt = at;
                    at += 4 + 4 * b.getInt(at);
                }
            } else {
                at += 4 * (int) elements;
            }
            entries.add(new Entry(dimsAt, rank, countAt));
        }
        return entries;
    }
}
