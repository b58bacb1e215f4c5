@testable import ExptrainMetricsLog
import XCTest

final class ProgressLineTests: XCTestCase {
    func testFullLine() {
        let progress = ProgressLine(step: 123_456, totalSteps: 500_000, stepsPerSecond: 48_210,
                                        recentReturn: 212.4, meanReturnLast100: 198.66, successRate: 0.934)
        XCTAssertEqual(progress.formattedLine(),
                       "step 123,456/500,000 | 48,210 steps/s | return 212.4 (mean100 198.7) | success 0.93 | ETA 7s")
    }

    func testMissingPartsAreLeftOut() {
        XCTAssertEqual(ProgressLine(step: 0, totalSteps: 1_000, stepsPerSecond: 0).formattedLine(),
                       "step 0/1,000 | 0 steps/s | ETA --")
        XCTAssertEqual(ProgressLine(step: 10, totalSteps: 1_000, stepsPerSecond: 1.6, recentReturn: -3.25).formattedLine(),
                       "step 10/1,000 | 2 steps/s | return -3.2 | ETA 10m18s")
        XCTAssertEqual(ProgressLine(step: 10, totalSteps: 10, stepsPerSecond: 5, meanReturnLast100: 1, successRate: 1).formattedLine(),
                       "step 10/10 | 5 steps/s | mean100 1.0 | success 1.00 | ETA 0s")
        XCTAssertEqual(ProgressLine(step: 0, totalSteps: 10, stepsPerSecond: 1e-300).formattedLine(),
                       "step 0/10 | 0 steps/s | ETA --")
        XCTAssertEqual(ProgressLine(step: 0, totalSteps: 10, stepsPerSecond: .nan).formattedLine(),
                       "step 0/10 | -- steps/s | ETA --")
    }

    func testDurations() {
        XCTAssertEqual([0, 59, 60, 185, 3599, 3600, 7380, 86399, 86400, 100_800].map(formattedDuration(seconds:)),
                       ["0s", "59s", "1m00s", "3m05s", "59m59s", "1h00m", "2h03m", "23h59m", "1d00h", "1d04h"])
    }

    func testThousandsSeparators() {
        XCTAssertEqual([0, 999, 1_000, 12_345, 1_234_567, -48_210].map(groupedThousands),
                       ["0", "999", "1,000", "12,345", "1,234,567", "-48,210"])
    }

    func testTerminalRewritesOneLine() {
        var written: [String] = []
        let printer = ProgressPrinter(rewritesInPlace: true) { written.append($0) }
        printer.show(ProgressLine(step: 1, totalSteps: 2, stepsPerSecond: 1))
        printer.show(ProgressLine(step: 2, totalSteps: 2, stepsPerSecond: 1))
        printer.finish()
        printer.finish()
        XCTAssertEqual(written, ["\rstep 1/2 | 1 steps/s | ETA 1s\u{1B}[K", "\rstep 2/2 | 1 steps/s | ETA 0s\u{1B}[K", "\n"])
    }

    func testPlainOutputPrintsALinePerPoint() {
        var written: [String] = []
        let printer = ProgressPrinter(rewritesInPlace: false) { written.append($0) }
        printer.show(ProgressLine(step: 1, totalSteps: 2, stepsPerSecond: 1))
        printer.show(ProgressLine(step: 2, totalSteps: 2, stepsPerSecond: 1))
        printer.finish()
        XCTAssertEqual(written, ["step 1/2 | 1 steps/s | ETA 1s\n", "step 2/2 | 1 steps/s | ETA 0s\n"])
    }
}
