package dev.allo.spark;

import java.io.Serializable;

/**
 * Decides whether a response answers a prompt correctly; shipped to the executors, so it must be serialisable (a
 * class with a public no-argument constructor is what {@link AlloSparkMain} instantiates by name).
 */
@FunctionalInterface
public interface ResponseChecker extends Serializable {

    /**
     * Grades one response.
     *
     * @param prompt the prompt
     * @param answer the prompt's true answer, from the input row's {@code answer} field
     * @param response the decoded response (EOS removed)
     * @return whether the response is correct
     */
    boolean isCorrect(String prompt, String answer, String response);
}
