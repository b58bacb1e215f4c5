/// A loss the engine knows how to compute, with its hyperparameters; a pipeline
/// names its losses and stages refer to them by name (AllenAct's `named_losses`).
public enum LossSpec: Sendable, Equatable, CustomStringConvertible {
    /// Proximal policy optimisation (Schulman et al. 2017), as CleanRL and AllenAct compute it:
    /// `L = −min(ρ·Â, clip(ρ, 1−ε, 1+ε)·Â) + valueCoefficient·L_V − entropyCoefficient·H`,
    /// with `ρ = π(a|s)/π_old(a|s)` and, when `clipValueLoss`, the value loss
    /// `½·max((V−R)², (V_old + clip(V−V_old, −ε, ε) − R)²)`.
    case ppo(PPOSettings)
    /// Advantage actor-critic: `L = −log π(a|s)·Â + valueCoefficient·½(V−R)² − entropyCoefficient·H`.
    case a2c(A2CSettings)
    /// Imitation of the task's expert: `L = −log π(a*|s)` (tasks must provide `expertAction()`).
    case imitation

    public var description: String {
        switch self {
        case .ppo(let settings): "ppo(\(settings))"
        case .a2c(let settings): "a2c(\(settings))"
        case .imitation: "imitation"
        }
    }

    /// Whether the loss needs the task's expert actions.
    public var needsExpert: Bool {
        if case .imitation = self { return true }
        return false
    }
}

/// PPO's hyperparameters; defaults are CleanRL's `ppo.py`.
public struct PPOSettings: Sendable, Equatable {
    public var clipParameter: Float
    public var valueCoefficient: Float
    public var entropyCoefficient: Float
    public var clipValueLoss: Bool
    public var normalizeAdvantage: Bool

    public init(
        clipParameter: Float = 0.2, valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01,
        clipValueLoss: Bool = true, normalizeAdvantage: Bool = true
    ) {
        self.clipParameter = clipParameter
        self.valueCoefficient = valueCoefficient
        self.entropyCoefficient = entropyCoefficient
        self.clipValueLoss = clipValueLoss
        self.normalizeAdvantage = normalizeAdvantage
    }
}

/// A2C's hyperparameters.
public struct A2CSettings: Sendable, Equatable {
    public var valueCoefficient: Float
    public var entropyCoefficient: Float

    public init(valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01) {
        self.valueCoefficient = valueCoefficient
        self.entropyCoefficient = entropyCoefficient
    }
}
