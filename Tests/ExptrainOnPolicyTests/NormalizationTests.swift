import ExptrainOnPolicy
import XCTest

/// The running statistics against Gymnasium 1.4's `RunningMeanStd` and `NormalizeReward`
/// (reference values printed by Gymnasium for the same inputs), and the cross-rank merge.
final class NormalizationTests: XCTestCase {
    private let batches: [[[Float]]] = [[[0.5, -1.0], [1.5, 2.0], [-0.25, 0.75]], [[3.0, 1.0]], [[0.0, 0.0], [2.0, -2.0]]]

    /// Gymnasium: `rms = RunningMeanStd(shape=(2,)); rms.update(batch)` for each batch.
    func testObservationStatisticMatchesGymnasiumBatchByBatch() {
        let normalizer = ObservationNormalizer(dimensions: 2)
        for batch in batches {
            for row in batch {
                var copy = row
                copy.withUnsafeMutableBufferPointer { normalizer.observe($0) }
            }
            normalizer.absorb(normalizer.contribution[...])
        }
        let statistic = normalizer.statistic
        XCTAssertEqual(statistic.count, 6.0001, accuracy: 1e-12)
        for (value, expected) in zip(statistic.mean + statistic.variance, [1.1249812503124947, 0.12499791670138827, 1.3281406243880371, 1.7447795140870916]) {
            XCTAssertEqual(value, expected, accuracy: 1e-12)
        }
    }

    /// Three "ranks" each observe part of a batch; the sum of their sums merges to the
    /// statistic of the whole batch, on every rank alike.
    func testRanksSumsMergeToTheWholeBatch() {
        let rows: [[Float]] = [[0.5, -1.0], [1.5, 2.0], [-0.25, 0.75], [3.0, 1.0], [0.0, 0.0], [2.0, -2.0]]
        let whole = ObservationNormalizer(dimensions: 2)
        for row in rows {
            var copy = row
            copy.withUnsafeMutableBufferPointer { whole.observe($0) }
        }
        whole.absorb(whole.contribution[...])

        let ranks = (0..<3).map { _ in ObservationNormalizer(dimensions: 2) }
        for (index, row) in rows.enumerated() {
            var copy = row
            copy.withUnsafeMutableBufferPointer { ranks[index % 3].observe($0) }
        }
        var reduced = [Double](repeating: 0, count: ranks[0].contribution.count)
        for rank in ranks { for (i, value) in rank.contribution.enumerated() { reduced[i] += value } }
        for rank in ranks { rank.absorb(reduced[...]) }
        for rank in ranks {
            XCTAssertEqual(rank.statistic, ranks[0].statistic, "every rank merges the same totals")
            XCTAssertEqual(rank.statistic.count, whole.statistic.count)
            for (a, b) in zip(rank.statistic.mean + rank.statistic.variance, whole.statistic.mean + whole.statistic.variance) {
                XCTAssertEqual(a, b, accuracy: 1e-12)
            }
        }
    }

    func testNormalisationIsClippedAndFrozenNormalisersDoNotLearn() {
        let statistic = RunningMeanStd(mean: [1, -2], variance: [4, 0.01], count: 10)
        let normalizer = ObservationNormalizer(statistic: statistic, clip: 10, frozen: true)
        var row: [Float] = [5, 3]
        row.withUnsafeMutableBufferPointer { normalizer.observe($0) }
        XCTAssertEqual(row[0], Float(4 / (4 + 1e-8).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(row[1], 10, "(3 + 2) / 0.1 = 50 is clipped to 10")
        XCTAssertTrue(normalizer.contribution.allSatisfy { $0 == 0 }, "a frozen normaliser adds nothing")
        normalizer.absorb([1, 1, 1, 1, 1][...])
        XCTAssertEqual(normalizer.statistic, statistic)
    }

    /// Gymnasium: `NormalizeReward(gamma=0.9)` on rewards 1, −0.5, 2 (terminated), 0.25, 1,
    /// its statistic updated at every step (an update per step here).
    func testRewardStatisticMatchesGymnasiumsNormalizeReward() {
        let scaler = RewardScaler(environments: 1, gamma: 0.9)
        let rewards: [Float] = [1.0, -0.5, 2.0, 0.25, 1.0]
        let terminated = [false, false, true, false, false]
        var scaled: [Float] = []
        for (reward, ended) in zip(rewards, terminated) {
            let variance = scaler.statistic.variance[0]
            scaled.append(scaler.scale(reward, environment: 0, terminated: ended))
            let expected = min(10, max(-10, Double(reward) / (variance + 1e-8).squareRoot()))
            XCTAssertEqual(Double(scaled.last!), expected, accuracy: 1e-5, "scaled by the statistic of the updates before this step, clipped to ±10")
            scaler.absorb(scaler.contribution[...])
        }
        XCTAssertEqual(scaler.statistic.mean[0], 1.6589668206635866, accuracy: 1e-12)
        XCTAssertEqual(scaler.statistic.variance[0], 0.7390842628338529, accuracy: 1e-12)
        XCTAssertEqual(scaler.statistic.count, 5.0001, accuracy: 1e-12)
        // Gymnasium's G ← γ·G·(1 − terminated) + r: the terminating step starts a new return with its own reward.
        XCTAssertEqual(scaler.returns[0], (2.0 * 0.9 + 0.25) * 0.9 + 1.0, accuracy: 1e-12)
    }
}
