package dev.allo.examples.quickstart;

/**
 * PyTorch's thread settings for the examples' tiny models. A model of a few hundred thousand parameters is bound by
 * the per-op overhead, not by arithmetic, so a second intra-op thread gains little on an idle machine and, on a
 * shared one, makes every op wait for a busy core: the quick start's SFT stage took 366 s with PyTorch's default of
 * two threads and 56 s with one, side by side on the shared 2-core development machine (docs/quickstart.md).
 */
public final class EngineThreads {
    /** DJL's system property for PyTorch's intra-op threads. */
    public static final String INTRA_OP = "ai.djl.pytorch.num_threads";
    /** DJL's system property for PyTorch's inter-op threads. */
    public static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    private EngineThreads() {}

    /**
     * Sets one intra-op and one inter-op thread unless the user set either property; call it before the engine
     * loads (the first DJL call). {@code -Dai.djl.pytorch.num_threads=2} on the command line overrides it.
     */
    public static void defaultToOne() {
        if (System.getProperty(INTRA_OP) == null) {
            System.setProperty(INTRA_OP, "1");
        }
        if (System.getProperty(INTER_OP) == null) {
            System.setProperty(INTER_OP, "1");
        }
    }
}
