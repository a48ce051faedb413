package dev.allo.data;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A streaming source of preference examples read from a file, one at a time, in file order. Closing it releases the
 * file. {@link #report()} says which lines were skipped so far (only when the reader was told to skip bad lines;
 * otherwise the first bad line throws {@link MalformedDataException}).
 */
public interface PreferenceReader extends Iterator<PreferenceExample>, AutoCloseable {

    /**
     * The report so far; complete once {@link #hasNext()} has returned {@code false}.
     *
     * @return the report
     */
    ReadReport report();

    /**
     * The remaining examples as a sequential stream. Closing the stream closes this reader.
     *
     * @return the stream
     */
    default Stream<PreferenceExample> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    /** Closes the file; the {@link dev.allo.AlloException} of a failed close is unchecked. */
    @Override
    void close();
}
