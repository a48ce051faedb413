package dev.allo.impl.optim;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs code with PyTorch recording no autograd history on the current thread, for in-place updates of weights that
 * require gradients.
 *
 * <p>PyTorch's grad mode is per thread and on by default; the engine turns it off only on the thread that started
 * it, and a {@code GradientCollector} restores the mode it found when it closes. On any other thread an optimiser's
 * in-place update of a leaf weight would be refused ("a view of a leaf Variable that requires grad is being used in
 * an in-place operation"), so updates run through {@link #run}, which turns grad mode off and restores it.
 */
final class NoGrad {
    private NoGrad() {}

    /**
     * Runs {@code body} with grad mode off, then restores the mode found.
     *
     * @param body the code
     */
    static void run(Runnable body) {
        boolean previous = JniUtils.isGradMode();
        if (previous) {
            JniUtils.setGradMode(false);
        }
        try {
            body.run();
        } finally {
            if (previous) {
                JniUtils.setGradMode(true);
            }
        }
    }
}
