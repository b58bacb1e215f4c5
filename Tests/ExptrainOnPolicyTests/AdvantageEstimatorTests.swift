import ExptrainOnPolicy
import XCTest

final class AdvantageEstimatorTests: XCTestCase {
    /// Two environments, three steps; environment 1's episode ends at step 1.
    private let rewards: [Float] = [1, 0.5, 2, 1, 0, 3]
    private let values: [Float] = [0.5, 1, 1, 2, 0.25, 0.5]
    private let ended: [Float] = [0, 0, 0, 1, 0, 0]
    private let bootstrap: [Float] = [4, 8]

    func testGAEAgainstHandComputedValues() {
        let (gamma, lambda): (Float, Float) = (0.9, 0.8)
        let (advantages, returns) = run { r, v, d, b, a, ret in
            AdvantageEstimator.generalized(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: 3, environments: 2,
                gamma: gamma, lambda: lambda, advantages: a, returns: ret)
        }
        // Environment 0: δ2 = 0 + .9·4 − .25 = 3.35; δ1 = 2 + .9·.25 − 1 = 1.225; δ0 = 1 + .9·1 − .5 = 1.4
        //   A2 = 3.35; A1 = 1.225 + .72·3.35 = 3.637; A0 = 1.4 + .72·3.637 = 4.01864
        // Environment 1: δ2 = 3 + .9·8 − .5 = 9.7; δ1 = 1 + 0 − 2 = −1 (episode ended); δ0 = .5 + .9·2 − 1 = 1.3
        //   A2 = 9.7; A1 = −1; A0 = 1.3 + .72·(−1) = 0.58
        let expected: [Float] = [4.01864, 0.58, 3.637, -1, 3.35, 9.7]
        for (a, b) in zip(advantages, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for i in 0..<6 { XCTAssertEqual(returns[i], advantages[i] + values[i], accuracy: 1e-6) }
    }

    func testDiscountedReturnsAgainstHandComputedValues() {
        let (advantages, returns) = run { r, v, d, b, a, ret in
            AdvantageEstimator.discounted(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: 3, environments: 2,
                gamma: 0.5, advantages: a, returns: ret)
        }
        // Environment 0: R2 = 0 + .5·4 = 2; R1 = 2 + .5·2 = 3; R0 = 1 + .5·3 = 2.5
        // Environment 1: R2 = 3 + .5·8 = 7; R1 = 1 (ended); R0 = .5 + .5·1 = 1
        XCTAssertEqual(returns, [2.5, 1, 3, 1, 2, 7])
        XCTAssertEqual(advantages, zip(returns, values).map { $0 - $1 })
    }

    func testLambdaOneGAEEqualsDiscountedAdvantage() {
        let gae = run { r, v, d, b, a, ret in
            AdvantageEstimator.generalized(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: 3, environments: 2,
                gamma: 0.7, lambda: 1, advantages: a, returns: ret)
        }
        let plain = run { r, v, d, b, a, ret in
            AdvantageEstimator.discounted(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: 3, environments: 2,
                gamma: 0.7, advantages: a, returns: ret)
        }
        for i in 0..<6 { XCTAssertEqual(gae.returns[i], plain.returns[i], accuracy: 1e-5) }
    }

    private func run(
        _ estimate: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>,
                     UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> (advantages: [Float], returns: [Float]) {
        var advantages = [Float](repeating: .nan, count: 6)
        var returns = [Float](repeating: .nan, count: 6)
        rewards.withUnsafeBufferPointer { r in
            values.withUnsafeBufferPointer { v in
                ended.withUnsafeBufferPointer { d in
                    bootstrap.withUnsafeBufferPointer { b in
                        advantages.withUnsafeMutableBufferPointer { a in
                            returns.withUnsafeMutableBufferPointer { ret in estimate(r, v, d, b, a, ret) }
                        }
                    }
                }
            }
        }
        return (advantages, returns)
    }
}
