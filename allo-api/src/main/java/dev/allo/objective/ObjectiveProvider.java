package dev.allo.objective;

/**
 * Service-provider interface that builds objectives from configs; {@code allo-impl} registers one in
 * {@code META-INF/services/dev.allo.objective.ObjectiveProvider}. Users call
 * {@link PreferenceObjective#of(ObjectiveConfig)} instead.
 */
public interface ObjectiveProvider {

    /**
     * Builds the objective described by {@code config}.
     *
     * @param config the objective and its hyper-parameters
     * @return a new objective with fresh state
     */
    PreferenceObjective create(ObjectiveConfig config);
}
