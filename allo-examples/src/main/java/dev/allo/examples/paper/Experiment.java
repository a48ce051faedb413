package dev.allo.examples.paper;

/** The paper's experiments that {@link PaperExperiments} reproduces at small scale (docs/results.md). */
public enum Experiment {
    /**
     * Learning-rate selection on the validation problems (one seed): DPO and ALLO over a grid of learning rates; not
     * a figure of the paper, but how this project chose the rates the others use.
     */
    TUNE,
    /** Table 2 in small: SFT, DPO, IPO, SimPO, NPO, R-DPO and ALLO. */
    TABLE2,
    /** Figure 1: DPO updating the top-10%, the last-10% (accumulated-gradient scores) and all neurons. */
    FIGURE1,
    /** Table 4: token rewards on / off, mask top-k / none / last-k per stage, each stage alone. */
    TABLE4,
    /** Figure 4: the mask ratio of one stage swept while the other stays at its default. */
    FIGURE4
}
