package dev.allo.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * One micro-batch of preference pairs as seen by an objective: the per-token inputs of the chosen and the rejected
 * responses. Row {@code b} of {@code chosen} and row {@code b} of {@code rejected} form pair {@code b}. The two sides
 * may have different lengths {@code T}, but the same number of rows {@code B}.
 *
 * <p>Either side may be absent when the objective does not read it: token-level and sequence NPO use only the
 * rejected side, SFT only the chosen side (see {@link PreferenceObjective#requiresChosen()} and
 * {@link PreferenceObjective#requiresRejected()}). Shapes are checked here; values are checked by the objective.
 *
 * @param chosen the preferred responses {@code y+}, or {@code null}
 * @param rejected the dispreferred responses {@code y-}, or {@code null}
 */
public record PreferenceBatchLogProbs(ResponseLogProbs chosen, ResponseLogProbs rejected) {

    /**
     * Checks that at least one side is present, that every array is 2-D with its side's {@code policy} shape, and
     * that both sides have the same number of rows.
     *
     * @throws IllegalArgumentException naming the side, tensor and shapes when they do not agree
     */
    public PreferenceBatchLogProbs {
        if (chosen == null && rejected == null) {
            throw new IllegalArgumentException("a preference batch needs a chosen or a rejected side, got neither");
        }
        checkSide("chosen", chosen);
        checkSide("rejected", rejected);
        if (chosen != null && rejected != null && chosen.batchSize() != rejected.batchSize()) {
            throw new IllegalArgumentException("chosen and rejected must have the same number of rows (pairs), got "
                    + chosen.batchSize() + " chosen and " + rejected.batchSize() + " rejected");
        }
    }

    /**
     * A batch of pairs.
     *
     * @param chosen the preferred responses
     * @param rejected the dispreferred responses
     * @return the batch
     */
    public static PreferenceBatchLogProbs of(ResponseLogProbs chosen, ResponseLogProbs rejected) {
        return new PreferenceBatchLogProbs(chosen, rejected);
    }

    /**
     * A batch with rejected responses only (token-level and sequence NPO).
     *
     * @param rejected the responses to forget
     * @return the batch
     */
    public static PreferenceBatchLogProbs rejectedOnly(ResponseLogProbs rejected) {
        return new PreferenceBatchLogProbs(null, rejected);
    }

    /**
     * A batch with chosen responses only (SFT).
     *
     * @param chosen the responses to imitate
     * @return the batch
     */
    public static PreferenceBatchLogProbs chosenOnly(ResponseLogProbs chosen) {
        return new PreferenceBatchLogProbs(chosen, null);
    }

    /**
     * The number of pairs, {@code B}.
     *
     * @return the batch size
     */
    public long batchSize() {
        return chosen != null ? chosen.batchSize() : rejected.batchSize();
    }

    private static void checkSide(String side, ResponseLogProbs in) {
        if (in == null) {
            return;
        }
        Shape shape = in.policy().getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(side + ".policy must be 2-D (B, T), got shape " + shape);
        }
        checkSame(side, "reference", in.reference(), shape);
        checkSame(side, "mask", in.mask(), shape);
        checkSame(side, "weights", in.weights(), shape);
        checkSame(side, "meanLogits", in.meanLogits(), shape);
    }

    private static void checkSame(String side, String name, NDArray array, Shape expected) {
        if (array != null && !array.getShape().equals(expected)) {
            throw new IllegalArgumentException(side + "." + name + " must have the shape of " + side + ".policy "
                    + expected + ", got " + array.getShape());
        }
    }
}
