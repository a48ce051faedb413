package dev.allo.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a reader did with a file: how many lines it read, how many examples it returned and which lines it skipped.
 *
 * @param file the file
 * @param lines lines read so far, blank lines included
 * @param examples examples returned so far
 * @param skipped the skipped malformed lines, in file order
 */
public record ReadReport(Path file, long lines, long examples, List<SkippedLine> skipped) {

    /** Copies the list. */
    public ReadReport {
        Objects.requireNonNull(file, "file");
        skipped = List.copyOf(skipped);
    }

    /**
     * A one-line summary followed by one line per skipped line.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(file).append(": ").append(lines).append(" lines, ").append(examples).append(" examples, ")
                .append(skipped.size()).append(" skipped");
        for (SkippedLine s : skipped) {
            sb.append(System.lineSeparator()).append("  ").append(s);
        }
        return sb.toString();
    }
}
