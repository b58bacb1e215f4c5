import ExptrainTensor
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ScalarMathTests: XCTestCase {
    func testTanhMatchesLibmToAFewUlps() {
        var worst = 0.0
        for step in -200_000...200_000 {
            let x = Float(step) * 1e-4  // [−20, 20], every region of the fit and the clamp
            let exact = tanh(Double(x))
            worst = max(worst, abs(Double(ScalarMath.tanh(x)) - exact) / max(abs(exact), 1e-30))
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(ScalarMath.tanh(1e-6), 1e-6)
        XCTAssertEqual(ScalarMath.tanh(-.infinity), -1, accuracy: 1e-6)
        XCTAssertTrue(ScalarMath.tanh(.nan).isNaN)
    }

    func testSigmoid() {
        for step in -4_000...4_000 {
            let x = Float(step) * 5e-3
            XCTAssertEqual(Double(ScalarMath.sigmoid(x)), 1 / (1 + exp(-Double(x))), accuracy: 4e-7)
        }
    }
}
