package dev.allo.impl.objective;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.ResponseLogProbs;

/**
 * Checks a micro-batch's values and turns it into {@link ResponseTensors}. The checks cost one device-to-host
 * transfer for the whole batch: every violation is counted on the device, and only when the count is non-zero is
 * the batch read back to name the first bad tensor, row and column.
 */
final class BatchValidator {

    private BatchValidator() {}

    /**
     * Validates the sides an objective reads.
     *
     * @param batch the micro-batch
     * @param needs which sides and references the objective needs
     * @return the validated, sanitised tensors
     * @throws IllegalArgumentException naming the side, tensor, row and column of the first bad value
     */
    static ObjectiveBatch validate(PreferenceBatchLogProbs batch, Needs needs) {
        ResponseLogProbs chosen = batch.chosen();
        ResponseLogProbs rejected = batch.rejected();
        requirePresent(needs.objective(), Side.CHOSEN, chosen, needs.chosen(), needs.chosenReference());
        requirePresent(needs.objective(), Side.REJECTED, rejected, needs.rejected(), needs.rejectedReference());
        Device device = (chosen != null ? chosen : rejected).policy().getDevice();
        checkTypesAndDevice(Side.CHOSEN, chosen, device);
        checkTypesAndDevice(Side.REJECTED, rejected, device);

        NDArray violations = null;
        NDArray chosenResponse = chosen == null ? null : responseMask(chosen);
        NDArray rejectedResponse = rejected == null ? null : responseMask(rejected);
        if (chosen != null) {
            violations = countViolations(chosen, chosenResponse);
        }
        if (rejected != null) {
            NDArray count = countViolations(rejected, rejectedResponse);
            violations = violations == null ? count : violations.add(count);
        }
        if (violations.getFloat() > 0) { // the one device-to-host transfer
            if (chosen != null) {
                diagnose(Side.CHOSEN, chosen);
            }
            if (rejected != null) {
                diagnose(Side.REJECTED, rejected);
            }
            throw new IllegalStateException("the batch check counted a bad value but none was found on the host");
        }
        return new ObjectiveBatch(
                chosen == null ? null : sanitise(Side.CHOSEN, chosen, chosenResponse),
                rejected == null ? null : sanitise(Side.REJECTED, rejected, rejectedResponse));
    }

    /**
     * What an objective reads.
     *
     * @param objective the objective's name, for messages
     * @param chosen whether the chosen side must be present
     * @param rejected whether the rejected side must be present
     * @param chosenReference whether the chosen side must carry reference log-probs
     * @param rejectedReference whether the rejected side must carry reference log-probs
     */
    record Needs(String objective, boolean chosen, boolean rejected, boolean chosenReference,
            boolean rejectedReference) {}

    private static void requirePresent(String objective, Side side, ResponseLogProbs in, boolean needed,
            boolean referenceNeeded) {
        if (in == null) {
            if (needed || referenceNeeded) {
                throw new IllegalArgumentException(objective + " needs the " + side.label() + " responses, but the"
                        + " batch has no " + side.label() + " side");
            }
            return;
        }
        if (referenceNeeded && in.reference() == null) {
            throw new IllegalArgumentException(objective + " needs reference log-probs for the " + side.label()
                    + " responses, but " + side.label() + ".reference is null");
        }
    }

    private static void checkTypesAndDevice(Side side, ResponseLogProbs in, Device device) {
        if (in == null) {
            return;
        }
        checkFloating(side, "policy", in.policy(), device);
        checkFloating(side, "reference", in.reference(), device);
        checkFloating(side, "weights", in.weights(), device);
        checkFloating(side, "meanLogits", in.meanLogits(), device);
        DataType maskType = in.mask().getDataType();
        if (!maskType.isFloating() && !maskType.isInteger() && maskType != DataType.BOOLEAN) {
            throw new IllegalArgumentException(side.label() + ".mask must be numeric or boolean, got " + maskType);
        }
        checkDevice(side, "mask", in.mask(), device);
    }

    private static void checkFloating(Side side, String name, NDArray array, Device device) {
        if (array == null) {
            return;
        }
        if (!array.getDataType().isFloating()) {
            throw new IllegalArgumentException(side.label() + "." + name + " must be a floating-point array, got "
                    + array.getDataType());
        }
        checkDevice(side, name, array, device);
    }

    private static void checkDevice(Side side, String name, NDArray array, Device device) {
        if (!array.getDevice().equals(device)) {
            throw new IllegalArgumentException(side.label() + "." + name + " is on " + array.getDevice()
                    + ", but the batch is on " + device + ": every array of a batch must be on one device");
        }
    }

    /** {@code (B, T)} boolean: the positions whose mask is exactly 1. */
    private static NDArray responseMask(ResponseLogProbs in) {
        return in.mask().toType(DataType.FLOAT32, false).eq(1f);
    }

    /** A float32 scalar: the number of bad values and empty rows of one side. */
    private static NDArray countViolations(ResponseLogProbs in, NDArray response) {
        NDArray mask = in.mask().toType(DataType.FLOAT32, false);
        NDArray count = count(mask.neq(0f).logicalAnd(mask.neq(1f)));
        NDArray lengths = response.toType(DataType.FLOAT32, false).sum(new int[] {1}); // (B)
        count = count.add(count(lengths.eq(0f)));
        count = count.add(count(nonFinite(in.policy()).logicalAnd(response)));
        if (in.reference() != null) {
            count = count.add(count(nonFinite(in.reference()).logicalAnd(response)));
        }
        if (in.meanLogits() != null) {
            count = count.add(count(nonFinite(in.meanLogits()).logicalAnd(response)));
        }
        if (in.weights() != null) {
            NDArray w = in.weights().stopGradient();
            // NaN fails both comparisons, so it is counted as out of range.
            NDArray inRange = w.gte(0f).logicalAnd(w.lte(1f));
            count = count.add(count(inRange.logicalNot().logicalAnd(response)));
        }
        return count;
    }

    private static NDArray nonFinite(NDArray x) {
        NDArray detached = x.stopGradient();
        return detached.isNaN().logicalOr(detached.isInfinite());
    }

    private static NDArray count(NDArray booleans) {
        return booleans.toType(DataType.FLOAT32, false).sum();
    }

    /** Reads one side back to the host and throws for its first bad value, if any; error path only. */
    private static void diagnose(Side side, ResponseLogProbs in) {
        Shape shape = in.policy().getShape();
        int rows = (int) shape.get(0);
        int cols = (int) shape.get(1);
        float[] mask = host(in.mask());
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0f && mask[i] != 1f) {
                throw new IllegalArgumentException(at(side, "mask", i, cols) + " must be 0 or 1, got " + mask[i]);
            }
        }
        for (int b = 0; b < rows; b++) {
            boolean any = false;
            for (int t = 0; t < cols && !any; t++) {
                any = mask[b * cols + t] == 1f;
            }
            if (!any) {
                throw new IllegalArgumentException(side.label() + ".mask row " + b + " has no response token (the"
                        + " mask is 0 across all " + cols + " positions); every sequence needs at least one");
            }
        }
        requireFinite(side, "policy", in.policy(), mask, cols);
        requireFinite(side, "reference", in.reference(), mask, cols);
        requireFinite(side, "meanLogits", in.meanLogits(), mask, cols);
        if (in.weights() != null) {
            float[] w = host(in.weights());
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 1f && !(w[i] >= 0f && w[i] <= 1f)) {
                    throw new IllegalArgumentException(at(side, "weights", i, cols)
                            + " must be in [0, 1] at a response position, got " + w[i]);
                }
            }
        }
    }

    private static void requireFinite(Side side, String name, NDArray array, float[] mask, int cols) {
        if (array == null) {
            return;
        }
        float[] values = host(array);
        for (int i = 0; i < values.length; i++) {
            if (mask[i] == 1f && !Float.isFinite(values[i])) {
                throw new IllegalArgumentException(at(side, name, i, cols)
                        + " must be finite at a response position, got " + values[i]);
            }
        }
    }

    private static String at(Side side, String name, int flatIndex, int cols) {
        return side.label() + "." + name + "[" + flatIndex / cols + ", " + flatIndex % cols + "]";
    }

    private static float[] host(NDArray array) {
        return array.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Zeroes every non-response position and brings every array to the policy's float type. */
    private static ResponseTensors sanitise(Side side, ResponseLogProbs in, NDArray response) {
        NDArray policy = in.policy();
        DataType type = policy.getDataType();
        NDArray zero = policy.getManager().zeros(new Shape(), type);
        NDArray maskFloat = response.toType(type, false); // (B, T)
        return new ResponseTensors(
                side,
                NDArrays.where(response, policy, zero), // (B, T), differentiable
                detachedOrNull(in.reference(), response, zero, type),
                response,
                maskFloat,
                detachedOrNull(in.weights(), response, zero, type),
                detachedOrNull(in.meanLogits(), response, zero, type),
                maskFloat.sum(new int[] {1})); // (B)
    }

    private static NDArray detachedOrNull(NDArray array, NDArray response, NDArray zero, DataType type) {
        if (array == null) {
            return null;
        }
        return NDArrays.where(response, array.stopGradient().toType(type, false), zero);
    }
}
