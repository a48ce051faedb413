package dev.allo.examples.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The line file through which a child JVM reports its cases to the parent: {@code B <index>} before a case,
 * {@code R <fields>} after it (tab-separated, with tabs, newlines and backslashes escaped). Every line is flushed as
 * it is written, so after a crash the last {@code B} without its {@code R} names the case that killed the JVM.
 */
final class Journal implements AutoCloseable {
    private final Writer out;

    private Journal(Writer out) {
        this.out = out;
    }

    /**
     * Opens a journal for appending.
     *
     * @param file the journal file
     * @return the journal
     * @throws IOException if it cannot be opened
     */
    static Journal append(Path file) throws IOException {
        return new Journal(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND));
    }

    /**
     * Records that a case starts.
     *
     * @param index the case index
     */
    void begin(int index) {
        line("B\t" + index);
    }

    /**
     * Records a case's result.
     *
     * @param r the result
     */
    void result(CaseResult r) {
        line(String.join("\t", "R", escape(r.target()), Integer.toString(r.index()), r.outcome().name(),
                escape(r.error()), escape(r.where()), escape(r.mutation())));
    }

    private void line(String text) {
        try {
            out.write(text);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /**
     * The results recorded in a journal.
     *
     * @param file the journal file
     * @return the results, in order
     * @throws IOException if it cannot be read
     */
    static List<CaseResult> results(Path file) throws IOException {
        List<CaseResult> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("R") && f.length == 7) {
                out.add(new CaseResult(unescape(f[1]), Integer.parseInt(f[2]), Outcome.valueOf(f[3]),
                        unescape(f[4]), unescape(f[5]), unescape(f[6])));
            }
        }
        return out;
    }

    /**
     * The case that began but never ended: the one that was running when the JVM died.
     *
     * @param file the journal file
     * @return its index, or empty when every case that began ended
     * @throws IOException if it cannot be read
     */
    static OptionalInt unfinished(Path file) throws IOException {
        if (!Files.exists(file)) {
            return OptionalInt.empty();
        }
        int open = -1;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("B") && f.length == 2) {
                open = Integer.parseInt(f[1]);
            } else if (f[0].equals("R")) {
                open = -1;
            }
        }
        return open < 0 ? OptionalInt.empty() : OptionalInt.of(open);
    }

    private static String escape(String s) {
        if (s == null) {
            return "\\0";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> {
                    // Surrogates (a message may quote a mutated file's unpaired one) are written as text, since
                    // UTF-8 cannot encode a lone one.
                    if (Character.isSurrogate(c)) {
                        b.append(String.format("<U+%04X>", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private static String unescape(String s) {
        if (s.equals("\\0")) {
            return null;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
