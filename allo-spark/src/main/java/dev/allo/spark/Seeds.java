package dev.allo.spark;

/**
 * The sampling seed of one response: a function of the job's seed, the prompt's index and the sample number only,
 * so that the output does not depend on how rows are partitioned or batched.
 *
 * <pre>
 * seed(job, index, k) = mix(mix(job + G * (index + 1)) + G * (k + 1)),  G = 0x9E3779B97F4A7C15
 * </pre>
 *
 * <p>where {@code mix} is the 64-bit finaliser of {@link java.util.SplittableRandom} (Stafford's variant 13).
 */
public final class Seeds {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    /**
     * The seed of sample {@code k} of prompt {@code index}.
     *
     * @param jobSeed the job's seed
     * @param index the prompt's index
     * @param k the sample number, from 0
     * @return the row's seed
     */
    public static long of(long jobSeed, long index, int k) {
        return mix(mix(jobSeed + GOLDEN * (index + 1)) + GOLDEN * (k + 1L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
