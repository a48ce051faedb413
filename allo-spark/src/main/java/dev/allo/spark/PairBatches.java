package dev.allo.spark;

import dev.allo.data.DropLog;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.data.PairEncoder;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * Pairs encoded as the pipeline encodes them ({@link PairEncoder} with the pipeline's truncation) and grouped into
 * {@link LengthBatches} by their longer side ({@code prompt + max(chosen, rejected)} tokens). A pair the encoder
 * drops (nothing left after truncation) is a {@link Reject}, as it is absent from the pipeline's pairs.
 */
final class PairBatches {
    private PairBatches() {}

    /** Batches of pairs and the pairs dropped by truncation. */
    record Batched(JavaRDD<List<PairRow>> batches, JavaRDD<Reject> dropped) {}

    /** A pair with its encoded length, or its drop. */
    private record Encoded(LengthBatches.Sized<PairRow> sized, Reject dropped) implements Serializable {}

    static Batched of(JavaRDD<PairRow> rows, JobSettings job, int partitions) {
        JavaRDD<Encoded> encoded = rows.map(row -> {
            DropLog drops = new DropLog();
            Optional<TokenizedPair> pair = job.encoder().encode(row.index(), row.example(), drops);
            if (pair.isEmpty()) {
                return new Encoded(null, Reject.of(row.index() + 1, row.prompt(), "dropped by truncation (maxLength="
                        + job.maxLength() + ", maxPromptLength=" + job.maxPromptLength() + "): " + drops.summary()));
            }
            TokenizedPair p = pair.get();
            int length = p.promptIds().length + Math.max(p.chosenIds().length, p.rejectedIds().length);
            return new Encoded(new LengthBatches.Sized<>(row, row.index(), length), null);
        }).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<LengthBatches.Sized<PairRow>> kept = encoded.filter(e -> e.sized() != null).map(Encoded::sized);
        return new Batched(LengthBatches.of(kept, job.batchSize(), partitions),
                encoded.filter(e -> e.dropped() != null).map(Encoded::dropped));
    }

    /** The encoded pairs of one batch, in batch order (the encoder is deterministic, so this repeats the sizing). */
    static List<TokenizedPair> encode(List<PairRow> batch, PairEncoder encoder) {
        List<TokenizedPair> out = new ArrayList<>(batch.size());
        for (PairRow row : batch) {
            out.add(encoder.encode(row.index(), row.example(), new DropLog()).orElseThrow());
        }
        return out;
    }

    static float[] unboxed(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
