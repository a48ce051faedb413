package dev.allo.impl.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.allo.AlloException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct byte views of the native memory of a contiguous CPU array, in pieces small enough for a {@link ByteBuffer}
 * (whose capacity is an {@code int}).
 *
 * <p>On the PyTorch engine, {@code toByteBuffer(true)} of a contiguous CPU array is a view of the tensor's own
 * memory, not a copy: reading it costs nothing and writing it fills the tensor. The checkpoint reader fills freshly
 * allocated arrays this way (one copy from the file, no intermediate buffer), and the writer drains arrays this way.
 * Arrays larger than one piece are walked through slices of a flattened view, each again a view.
 */
final class NativeChunks {

    /** Receives one piece of an array's memory. */
    @FunctionalInterface
    interface ChunkConsumer {
        /**
         * Handles one piece.
         *
         * @param firstElement the index of the piece's first element in the flattened array
         * @param elements the number of elements in the piece
         * @param view the piece's memory, native byte order, positioned at 0 with capacity
         *     {@code elements * elementSize}
         */
        void accept(long firstElement, long elements, ByteBuffer view);
    }

    private NativeChunks() {}

    /**
     * Walks a contiguous CPU array in pieces of at most {@code maxChunkBytes} bytes.
     *
     * @param array a contiguous array on the CPU (freshly created, or the result of {@code reshape})
     * @param maxChunkBytes the largest piece, at most {@code Integer.MAX_VALUE}
     * @param consumer receives every piece in order
     */
    static void forEach(NDArray array, long maxChunkBytes, ChunkConsumer consumer) {
        long count = array.size();
        if (count == 0) {
            return;
        }
        int elementSize = array.getDataType().getNumOfBytes();
        long perChunk = Math.max(1, maxChunkBytes / elementSize);
        if (count <= perChunk) {
            consumer.accept(0, count, view(array, count * elementSize));
            return;
        }
        try (NDArray flat = array.reshape(-1)) { // (N,), a view of the same memory
            for (long first = 0; first < count; first += perChunk) {
                long n = Math.min(perChunk, count - first);
                try (NDArray piece = flat.get(new NDIndex("{}:{}", first, first + n))) {
                    consumer.accept(first, n, view(piece, n * elementSize));
                }
            }
        }
    }

    static ByteBuffer view(NDArray array, long expectedBytes) {
        ByteBuffer view = array.toByteBuffer(true);
        if (!view.isDirect() || view.capacity() != expectedBytes) {
            // The engine gave a copy instead of a view: filling it would silently lose the data.
            throw new AlloException("expected a direct view of " + expectedBytes + " bytes of the "
                    + array.getDataType() + " array " + array.getShape() + ", got a "
                    + (view.isDirect() ? "direct" : "heap") + " buffer of " + view.capacity()
                    + " bytes; this engine does not expose array memory");
        }
        view.order(ByteOrder.nativeOrder());
        view.clear();
        return view;
    }
}
