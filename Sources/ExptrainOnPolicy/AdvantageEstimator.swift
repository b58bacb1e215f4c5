/// Advantage and return estimation over one rollout, in place on flat buffers.
///
/// Buffers are time-major: element `t * environments + e` is step `t` of
/// environment `e`. `episodeEnded[t·N+e]` is 1 when the episode ended *at* step `t`
/// (terminated or truncated), so step `t+1` belongs to a new episode. Truncation is
/// handled before this point by adding `γ·V(final observation)` to the truncated
/// step's reward, so an episode that was only cut off still bootstraps its future.
public enum AdvantageEstimator {
    /// Generalised advantage estimation (Schulman et al. 2016):
    ///
    ///     δ_t = r_t + γ·V_{t+1}·(1 − d_t) − V_t
    ///     A_t = δ_t + γ·λ·(1 − d_t)·A_{t+1}
    ///     R_t = A_t + V_t
    ///
    /// with `V_T = bootstrapValues` (the value of the observation after the last step).
    public static func generalized(
        rewards: UnsafeBufferPointer<Float>, values: UnsafeBufferPointer<Float>,
        episodeEnded: UnsafeBufferPointer<Float>, bootstrapValues: UnsafeBufferPointer<Float>,
        steps: Int, environments: Int, gamma: Float, lambda: Float,
        advantages: UnsafeMutableBufferPointer<Float>, returns: UnsafeMutableBufferPointer<Float>
    ) {
        checkSizes(rewards, values, episodeEnded, bootstrapValues, advantages, returns, steps * environments, environments)
        for e in 0..<environments {
            var nextAdvantage: Float = 0
            var nextValue = bootstrapValues[e]
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let i = t * environments + e
                let continues = 1 - episodeEnded[i]
                let delta = rewards[i] + gamma * nextValue * continues - values[i]
                nextAdvantage = delta + gamma * lambda * continues * nextAdvantage
                advantages[i] = nextAdvantage
                returns[i] = nextAdvantage + values[i]
                nextValue = values[i]
            }
        }
    }

    /// Discounted n-step returns without GAE:
    ///
    ///     R_t = r_t + γ·(1 − d_t)·R_{t+1},   R_T = V_T,   A_t = R_t − V_t
    public static func discounted(
        rewards: UnsafeBufferPointer<Float>, values: UnsafeBufferPointer<Float>,
        episodeEnded: UnsafeBufferPointer<Float>, bootstrapValues: UnsafeBufferPointer<Float>,
        steps: Int, environments: Int, gamma: Float,
        advantages: UnsafeMutableBufferPointer<Float>, returns: UnsafeMutableBufferPointer<Float>
    ) {
        checkSizes(rewards, values, episodeEnded, bootstrapValues, advantages, returns, steps * environments, environments)
        for e in 0..<environments {
            var nextReturn = bootstrapValues[e]
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let i = t * environments + e
                nextReturn = rewards[i] + gamma * (1 - episodeEnded[i]) * nextReturn
                returns[i] = nextReturn
                advantages[i] = nextReturn - values[i]
            }
        }
    }

    private static func checkSizes(
        _ rewards: UnsafeBufferPointer<Float>, _ values: UnsafeBufferPointer<Float>,
        _ episodeEnded: UnsafeBufferPointer<Float>, _ bootstrapValues: UnsafeBufferPointer<Float>,
        _ advantages: UnsafeMutableBufferPointer<Float>, _ returns: UnsafeMutableBufferPointer<Float>,
        _ count: Int, _ environments: Int
    ) {
        precondition(
            [rewards.count, values.count, episodeEnded.count, advantages.count, returns.count].allSatisfy { $0 == count }
                && bootstrapValues.count == environments,
            "advantage buffers must hold steps × environments values and one bootstrap value per environment")
    }
}
