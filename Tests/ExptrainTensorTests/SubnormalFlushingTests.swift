import ExptrainTensor
import XCTest

/// `SubnormalFlushing`: once enabled, a product below `Float.leastNormalMagnitude` is 0,
/// a subnormal input reads as 0, and normal numbers are untouched.
final class SubnormalFlushingTests: XCTestCase {
    func testSubnormalResultsAndInputsAreZeroOnceEnabled() {
        SubnormalFlushing.enable()
        XCTAssertTrue(SubnormalFlushing.isEnabled)
        let smallest = opaque(Float.leastNormalMagnitude)
        XCTAssertEqual(smallest * opaque(0.5), 0, "a subnormal result was kept")
        XCTAssertEqual(opaque(Float(bitPattern: 1)) * opaque(2), 0, "a subnormal input was read as itself")
        XCTAssertEqual(smallest * opaque(2), 2 * Float.leastNormalMagnitude)
        // Adam's first moment with a zero gradient decays to 0 without passing through subnormals.
        var moment = opaque(1e-30)
        for _ in 0..<200 {
            moment = opaque(0.9) * moment
            XCTAssertTrue(moment == 0 || moment.isNormal, "moment \(moment) is subnormal")
        }
        XCTAssertEqual(moment, 0)
    }

    /// A value the optimiser cannot fold into a constant at compile time.
    @inline(never)
    private func opaque(_ value: Float) -> Float {
        value
    }
}
