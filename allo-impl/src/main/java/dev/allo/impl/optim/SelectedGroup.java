package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The partly selected tensors laid end to end: their selected scalars form one vector of length
 * {@code K = sum_t K_t}, tensor {@code t} at {@code [offset_t, offset_t + K_t)}. The group holds the flat indices of
 * all members as one int32 {@code (K)} array (4 bytes per selected scalar). Sparse optimisers keep one state vector
 * per slot for the whole group and run each update as a handful of ops on {@code (K)} vectors, instead of a handful
 * per tensor (on a CPU shared with other work every op costs far more than its arithmetic). Per member and step there
 * remain the index ops, which are bound by memory latency: one {@code take} per gathered array and one index-put.
 */
final class SelectedGroup {
    private final List<SelectedTensor> members;
    private final long[] offsets;
    private final long[] splitPoints; // offsets[1..]: where a group vector splits into its members' slices
    private final long size;
    private final NDArray index; // (K) int32, the members' flat indices end to end; null when the group is empty

    /**
     * Groups the partly selected tensors of {@code selected} and creates their index array in {@code manager}.
     *
     * @param selected every tensor with a selected scalar, in mask order
     * @param mask the mask they come from
     * @param manager the manager that keeps the index array between steps
     */
    SelectedGroup(List<SelectedTensor> selected, NeuronMask mask, NDManager manager) {
        List<SelectedTensor> partial = new ArrayList<>();
        for (SelectedTensor s : selected) {
            if (!s.isFull()) {
                partial.add(s);
            }
        }
        this.members = Collections.unmodifiableList(partial);
        this.offsets = new long[partial.size()];
        long at = 0;
        for (int i = 0; i < partial.size(); i++) {
            offsets[i] = at;
            at += partial.get(i).count();
        }
        this.size = at;
        this.splitPoints = partial.isEmpty() ? new long[0] : Arrays.copyOfRange(offsets, 1, offsets.length);
        if (partial.isEmpty()) {
            this.index = null;
        } else {
            try (NDManager parts = manager.newSubManager()) {
                NDList pieces = new NDList(partial.size());
                for (SelectedTensor s : partial) {
                    pieces.add(parts.create(mask.indices(s.name()))); // (K_t) int32
                }
                NDArray joined = pieces.size() == 1 ? pieces.get(0) : NDArrays.concat(pieces); // (K)
                joined.attach(manager);
                this.index = joined;
            }
        }
    }

    List<SelectedTensor> members() {
        return members;
    }

    /** K, the number of selected scalars over the group. */
    long size() {
        return size;
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    /** The slice of a group vector that belongs to member {@code i}: a view. */
    NDArray slice(NDArray groupVector, int i) {
        return groupVector.get(new NDIndex(offsets[i] + ":" + (offsets[i] + members.get(i).count()))); // (K_t) view
    }

    /** Member {@code i}'s int32 flat indices: a view of the group's index array. */
    NDArray index(int i) {
        return slice(index, i);
    }

    /** Bytes held between steps by the index array. */
    long indexBytes() {
        return index == null ? 0 : index.size() * index.getDataType().getNumOfBytes();
    }

    /**
     * The members' indices widened to int64 for one step, as views of one array: the engine widens int32 indices on
     * every gather and scatter anyway, so widening all of them with one op per step and reusing the result three
     * times is cheaper, while the state keeps 4 bytes per index. The arrays belong to the current scope; the list is
     * empty when the group is.
     */
    List<NDArray> widenIndices() {
        if (index == null) {
            return List.of();
        }
        NDArray wide = index.toType(DataType.INT64, false); // (K)
        return members.size() == 1 ? List.of(wide) : wide.split(splitPoints); // (K_t) views
    }

    /**
     * Gathers the selected scalars of every member into one fresh {@code (K)} vector.
     *
     * @param tensors the named tensors
     * @param pick which array of a named tensor to read (the parameter itself, or its gradient)
     * @param indices the members' indices from {@link #widenIndices()}
     */
    NDArray gather(Map<String, NDArray> tensors, Function<NDArray, NDArray> pick, List<NDArray> indices) {
        NDList parts = new NDList(members.size());
        for (int i = 0; i < members.size(); i++) {
            parts.add(pick.apply(tensors.get(members.get(i).name())).take(indices.get(i))); // (K_t), flat indices
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts); // (K)
    }

    /** Writes a {@code (K)} vector into the selected scalars of every member parameter (index-put). */
    void scatter(Map<String, NDArray> parameters, NDArray values, List<NDArray> indices) {
        NDList pieces = members.size() == 1 ? new NDList(values) : values.split(splitPoints); // (K_t) views
        for (int i = 0; i < members.size(); i++) {
            NDArray flat = parameters.get(members.get(i).name()).reshape(-1); // (n) view
            flat.set(new NDIndex("{}", indices.get(i)), pieces.get(i)); // in place
        }
    }

    /**
     * Applies {@code theta <- decay * theta - update} to the selected scalars of every member parameter: per member,
     * one gather, the arithmetic on its {@code (K_t)} slice, and one index-put right after, while the gathered cache
     * lines are still hot (a gather pass over all members and then an index-put pass read them from memory twice).
     * The arithmetic is that of {@code p.muli(decay).subi(update)} on the gathered vector.
     *
     * @param parameters the live parameters
     * @param update the {@code (K)} update to subtract, laid out as the group
     * @param decay the factor applied first (1 skips it)
     * @param indices the members' indices from {@link #widenIndices()}
     */
    void decayAndSubtract(Map<String, NDArray> parameters, NDArray update, double decay, List<NDArray> indices) {
        NDList pieces = members.size() == 1 ? new NDList(update) : update.split(splitPoints); // (K_t) views
        NDArray factor = decay == 1 ? null : update.getManager().full(new Shape(), (float) decay, DataType.FLOAT32);
        for (int i = 0; i < members.size(); i++) {
            NDArray flat = parameters.get(members.get(i).name()).reshape(-1); // (n) view
            NDArray selected = flat.take(indices.get(i)); // (K_t)
            if (factor != null) {
                selected.muli(factor); // decoupled weight decay
            }
            flat.set(new NDIndex("{}", indices.get(i)), selected.subi(pieces.get(i))); // in place
        }
    }
}
