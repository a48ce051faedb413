package dev.allo.impl.objective;

import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveProvider;
import dev.allo.objective.PreferenceObjective;
import java.util.Objects;

/**
 * Builds the stock objectives on DJL ops; registered as the {@link ObjectiveProvider} service, so users reach it
 * through {@link PreferenceObjective#of(ObjectiveConfig)}.
 */
public final class DjlObjectiveProvider implements ObjectiveProvider {

    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public DjlObjectiveProvider() {}

    @Override
    public PreferenceObjective create(ObjectiveConfig config) {
        return build(Objects.requireNonNull(config, "config"));
    }

    private static AbstractObjective build(ObjectiveConfig config) {
        if (config instanceof ObjectiveConfig.Dpo) {
            return new DpoObjective((ObjectiveConfig.Dpo) config);
        } else if (config instanceof ObjectiveConfig.TokenDpo) {
            return new TokenDpoObjective((ObjectiveConfig.TokenDpo) config);
        } else if (config instanceof ObjectiveConfig.TokenNpo) {
            return new TokenNpoObjective((ObjectiveConfig.TokenNpo) config);
        } else if (config instanceof ObjectiveConfig.ConservativeDpo) {
            return new ConservativeDpoObjective((ObjectiveConfig.ConservativeDpo) config);
        } else if (config instanceof ObjectiveConfig.Ipo) {
            return new IpoObjective((ObjectiveConfig.Ipo) config);
        } else if (config instanceof ObjectiveConfig.RDpo) {
            return new RDpoObjective((ObjectiveConfig.RDpo) config);
        } else if (config instanceof ObjectiveConfig.SimPo) {
            return new SimPoObjective((ObjectiveConfig.SimPo) config);
        } else if (config instanceof ObjectiveConfig.Npo) {
            return new NpoObjective((ObjectiveConfig.Npo) config);
        } else if (config instanceof ObjectiveConfig.Hinge) {
            return new HingeObjective((ObjectiveConfig.Hinge) config);
        } else if (config instanceof ObjectiveConfig.BcoPair) {
            return new BcoPairObjective((ObjectiveConfig.BcoPair) config);
        } else if (config instanceof ObjectiveConfig.Sft) {
            return new SftObjective((ObjectiveConfig.Sft) config);
        } else if (config instanceof ObjectiveConfig.WithSft) {
            ObjectiveConfig.WithSft withSft = (ObjectiveConfig.WithSft) config;
            return new SftRegularizedObjective(withSft, build(withSft.base()));
        }
        throw new IllegalArgumentException("unknown objective config " + config.getClass().getName());
    }
}
