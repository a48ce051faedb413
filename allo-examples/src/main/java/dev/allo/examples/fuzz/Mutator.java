package dev.allo.examples.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutates a seed file by its {@link FileFormat}: one to three mutations, each structure-aware (JSON, one JSON line,
 * a safetensors header) more often than not, else byte-level.
 */
public final class Mutator {
    private static final byte[][] BAD_LINES = {
        {(byte) 0xC3, 0x28}, // a lead byte without its continuation
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
        {(byte) 0xC0, (byte) 0xAF}, // an overlong form
        {(byte) 0xFF},
        "{\"prompt\": \"p\"".getBytes(StandardCharsets.UTF_8),
        "\r".getBytes(StandardCharsets.UTF_8),
        {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        "[1, 2, 3]".getBytes(StandardCharsets.UTF_8),
    };

    private Mutator() {}

    /**
     * Mutates a seed.
     *
     * @param seed the valid file
     * @param format its layout
     * @param rng the case's random source
     * @return the mutated file and its description
     */
    public static Mutation mutate(byte[] seed, FileFormat format, Random rng) {
        return mutate(seed, format, null, rng);
    }

    /**
     * Mutates a target's seed, using the target's {@link FuzzTarget#mutateLayout} for a third of the cases.
     *
     * @param seed the valid file
     * @param target the target
     * @param rng the case's random source
     * @return the mutated file and its description
     */
    public static Mutation mutate(byte[] seed, FuzzTarget target, Random rng) {
        return mutate(seed, target.format(), target, rng);
    }

    private static Mutation mutate(byte[] seed, FileFormat format, FuzzTarget target, Random rng) {
        StringBuilder log = new StringBuilder();
        if (target != null && rng.nextInt(3) == 0) {
            byte[] out = target.mutateLayout(seed, rng, log);
            if (out != null) {
                return new Mutation(out, log.toString().trim());
            }
        }
        byte[] bytes = seed;
        int rounds = rng.nextInt(4) == 0 ? 2 + rng.nextInt(2) : 1;
        for (int r = 0; r < rounds; r++) {
            bytes = once(bytes, format, rng, log);
        }
        return new Mutation(bytes, log.toString().trim());
    }

    private static byte[] once(byte[] in, FileFormat format, Random rng, StringBuilder log) {
        boolean structured = format != FileFormat.BINARY && rng.nextInt(10) < 6;
        if (structured) {
            byte[] out = switch (format) {
                case JSON -> json(in, rng, log);
                case JSONL -> jsonl(in, rng, log);
                case SAFETENSORS -> safetensors(in, rng, log);
                default -> null;
            };
            if (out != null) {
                return out;
            }
        }
        return ByteMutations.mutate(in, rng, format == FileFormat.BINARY, log);
    }

    private static byte[] json(byte[] in, Random rng, StringBuilder log) {
        String out = JsonMutations.mutate(new String(in, StandardCharsets.UTF_8), rng, log);
        return out == null ? null : out.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] jsonl(byte[] in, Random rng, StringBuilder log) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(in, StandardCharsets.UTF_8).split("\n", -1)));
        int at = rng.nextInt(lines.size());
        int kind = rng.nextInt(10);
        if (kind < 6) {
            String mutated = JsonMutations.mutate(lines.get(at), rng, log);
            if (mutated == null) {
                return null;
            }
            log.append("(line ").append(at + 1).append("); ");
            lines.set(at, mutated);
            return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        }
        if (kind == 6) {
            log.append("duplicate line ").append(at + 1).append("; ");
            lines.add(at, lines.get(at));
            return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        }
        if (kind == 7) {
            log.append("delete line ").append(at + 1).append("; ");
            lines.remove(at);
            return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        }
        // Insert a line of raw bytes, which may be invalid UTF-8.
        byte[] bad = BAD_LINES[rng.nextInt(BAD_LINES.length)];
        log.append("insert a bad line before line ").append(at + 1).append("; ");
        byte[] before = String.join("\n", lines.subList(0, at)).getBytes(StandardCharsets.UTF_8);
        byte[] after = String.join("\n", lines.subList(at, lines.size())).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[before.length + 1 + bad.length + 1 + after.length];
        System.arraycopy(before, 0, out, 0, before.length);
        int pos = before.length;
        if (at > 0) {
            out[pos++] = '\n';
        }
        System.arraycopy(bad, 0, out, pos, bad.length);
        pos += bad.length;
        out[pos++] = '\n';
        System.arraycopy(after, 0, out, pos, after.length);
        return Arrays.copyOf(out, pos + after.length);
    }

    private static byte[] safetensors(byte[] in, Random rng, StringBuilder log) {
        if (in.length < 8) {
            return null;
        }
        long n = ByteBuffer.wrap(in, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > in.length - 8) {
            return null;
        }
        String header = new String(in, 8, (int) n, StandardCharsets.UTF_8);
        String mutated = JsonMutations.mutate(header, rng, log);
        if (mutated == null) {
            return null;
        }
        byte[] h = mutated.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + h.length + in.length - 8 - (int) n];
        // Usually keep the length prefix right, so that the header's content is what gets tested.
        boolean fix = rng.nextInt(10) < 9;
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(fix ? h.length : n);
        if (!fix) {
            log.append("(length prefix left at ").append(n).append(") ");
        }
        System.arraycopy(h, 0, out, 8, h.length);
        System.arraycopy(in, 8 + (int) n, out, 8 + h.length, in.length - 8 - (int) n);
        return out;
    }
}
