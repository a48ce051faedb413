package dev.allo.impl.objective;

/**
 * A validated micro-batch: the sides present in the input, either of which may be null when the objective does not
 * need it.
 *
 * @param chosen the preferred responses, or null
 * @param rejected the dispreferred responses, or null
 */
record ObjectiveBatch(ResponseTensors chosen, ResponseTensors rejected) {

    /**
     * The number of pairs.
     *
     * @return {@code B}
     */
    long batchSize() {
        return chosen != null ? chosen.batchSize() : rejected.batchSize();
    }
}
