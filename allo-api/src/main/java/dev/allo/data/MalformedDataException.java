package dev.allo.data;

import dev.allo.AlloException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A line of a data file that cannot be turned into an example: malformed JSON, invalid UTF-8, a missing, empty or
 * wrongly typed field. The message names the file, the 1-based line number and the field.
 */
public class MalformedDataException extends AlloException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The 1-based line number. */
    private final long line;
    /** The offending field, or {@code null} when the whole line is at fault. */
    private final String field;
    /** What was expected and what was found. */
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param file the file
     * @param line the 1-based line number
     * @param field the offending field, or {@code null} when the whole line is at fault
     * @param reason what was expected and what was found
     */
    public MalformedDataException(Path file, long line, String field, String reason) {
        super(file + ":" + line + (field == null ? "" : ": field '" + field + "'") + ": " + reason);
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.field = field;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * The file.
     *
     * @return the file
     */
    public Path file() {
        return file;
    }

    /**
     * The 1-based line number.
     *
     * @return the line number
     */
    public long line() {
        return line;
    }

    /**
     * The offending field, if one field is at fault.
     *
     * @return the field name (dotted for nested fields, for example {@code prompt[0].content})
     */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /**
     * What was expected and what was found, without the location.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * This error as a skipped-line record.
     *
     * @return the record
     */
    public SkippedLine toSkippedLine() {
        return new SkippedLine(line, Optional.ofNullable(field), reason);
    }
}
