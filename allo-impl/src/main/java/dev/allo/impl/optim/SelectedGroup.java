package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.allo.mask.NeuronMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The partly selected tensors laid end to end: their selected scalars form one vector of length
 * {@code K = sum_t K_t}, tensor {@code t} at {@code [offset_t, offset_t + K_t)}. The group holds the flat indices of
 * all members as one int32 {@code (K)} array (4 bytes per selected scalar). Sparse optimisers keep one state vector
 * per slot for the whole group and run each update as a handful of ops on {@code (K)} vectors, instead of a handful
 * per tensor: on a CPU shared with other work, the number of ops, not the arithmetic, dominates a step. Per member
 * and step there remain one {@code take} per gathered array and one index-put.
 */
final class SelectedGroup implements AutoCloseable {
    /**
     * PyTorch runs an element-wise or index op on one thread below this many elements ({@code at::internal::
     * GRAIN_SIZE}): the gathers and index-puts of members this small leave the second core idle, so half of their
     * elements go to a helper thread that runs beside the calling thread.
     */
    static final long ENGINE_GRAIN = 32_768;
    /** The default fewest small-member scalars worth a helper thread. */
    static final long MIN_SHARED = 65_536;
    private final List<SelectedTensor> members;
    private final long[] offsets;
    private final long[] splitPoints; // offsets[1..]: where a group vector splits into its members' slices
    private final long size;
    private final NDArray index; // (K) int32, the members' flat indices end to end; null when the group is empty
    private final List<Integer> helperMembers = new ArrayList<>(); // small members the helper thread handles
    private final List<Integer> callerMembers = new ArrayList<>(); // the rest, handled by the calling thread
    private ExecutorService helper; // one daemon thread, created on first use

    /**
     * Groups the partly selected tensors of {@code selected} and creates their index array in {@code manager}.
     *
     * @param selected every tensor with a selected scalar, in mask order
     * @param mask the mask they come from
     * @param manager the manager that keeps the index array between steps
     * @param minShared the fewest selected scalars in members below {@link #ENGINE_GRAIN} for which the helper
     *     thread is used ({@link #MIN_SHARED} by default; below it, handing work over costs more than it saves)
     */
    SelectedGroup(List<SelectedTensor> selected, NeuronMask mask, NDManager manager, long minShared) {
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
        long small = 0; // selected scalars in members below the engine's grain
        for (SelectedTensor s : partial) {
            small += s.count() < ENGINE_GRAIN ? s.count() : 0;
        }
        boolean share = partial.size() > 1 && small >= minShared;
        long helped = 0;
        for (int i = 0; i < partial.size(); i++) {
            long k = partial.get(i).count();
            if (share && k < ENGINE_GRAIN && 2 * helped + k <= small) { // the member's middle is in the first half
                helperMembers.add(i);
                helped += k;
            } else {
                callerMembers.add(i);
            }
        }
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
        NDArray[] parts = new NDArray[members.size()];
        List<NDArray> helperOwned = new ArrayList<>(); // made on the helper thread, outside the caller's scope
        Future<?> helped = onHelper(() -> {
                for (int i : helperMembers) {
                    // detached: the helper thread's autograd mode is the engine default, not the caller's
                    NDArray source = pick.apply(tensors.get(members.get(i).name())).stopGradient();
                    helperOwned.add(source);
                parts[i] = source.take(indices.get(i)); // (K_t), flat indices
                helperOwned.add(parts[i]);
            }
        });
        try {
            for (int i : callerMembers) {
                parts[i] = pick.apply(tensors.get(members.get(i).name())).take(indices.get(i)); // (K_t)
            }
            join(helped);
            helped = null;
            return parts.length == 1 ? parts[0] : NDArrays.concat(new NDList(parts)); // (K)
        } finally {
            release(helped, helperOwned);
        }
    }

    /** Writes a {@code (K)} vector into the selected scalars of every member parameter (index-put). */
    void scatter(Map<String, NDArray> parameters, NDArray values, List<NDArray> indices) {
        NDList pieces = members.size() == 1 ? new NDList(values) : values.split(splitPoints); // (K_t) views
        List<NDArray> helperOwned = new ArrayList<>();
        Future<?> helped = onHelper(() -> {
            for (int i : helperMembers) {
                NDArray detached = parameters.get(members.get(i).name()).stopGradient(); // shares the storage
                helperOwned.add(detached);
                NDArray flat = detached.reshape(-1); // (n) view
                helperOwned.add(flat);
                flat.set(new NDIndex("{}", indices.get(i)), pieces.get(i)); // in place
            }
        });
        try {
            for (int i : callerMembers) {
                NDArray flat = parameters.get(members.get(i).name()).reshape(-1); // (n) view
                flat.set(new NDIndex("{}", indices.get(i)), pieces.get(i)); // in place
            }
            join(helped);
            helped = null;
        } finally {
            release(helped, helperOwned);
        }
    }

    private Future<?> onHelper(Runnable work) {
        if (helperMembers.isEmpty()) {
            return null;
        }
        if (helper == null) {
            helper = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "allo-optimizer-gather");
                thread.setDaemon(true);
                return thread;
            });
        }
        return helper.submit(work);
    }

    private static void join(Future<?> helped) {
        if (helped == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    helped.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // finish the ops in flight before the caller moves on
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException("optimizer gather failed", cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Closes the arrays the helper made, after waiting for it when the caller failed first ({@code helped} not yet
     * joined): the caller's exception propagates, and no array is closed while the helper may still use it.
     */
    private static void release(Future<?> helped, List<NDArray> helperOwned) {
        if (helped != null) {
            try {
                join(helped);
            } catch (RuntimeException | Error ignored) {
                // the caller's own exception is already propagating
            }
        }
        helperOwned.forEach(NDArray::close);
    }

    /** Stops the helper thread, if one was started. */
    @Override
    public void close() {
        if (helper != null) {
            helper.shutdown();
        }
    }
}
