@testable import ExptrainMetricsLog
import Foundation
import XCTest

/// Learning curves from `metrics.jsonl`, and the axes and text of their SVG picture (the
/// integration tests parse whole pictures as XML).
final class LearningCurvesTests: XCTestCase {
    func testCurvesSkipNullsAndKeepLogOrder() throws {
        let folder = try makeTemporaryFolder(for: self)
        try """
            {"step":512,"episode_return_mean100":null,"success_mean100":null}
            {"step":1024,"episode_return_mean100":21.5,"success_mean100":null,"loss":0.3}
            {"step":1536,"episode_return_mean100":30,"success_mean100":0.5}

            """.write(toFile: folder + "/metrics.jsonl", atomically: true, encoding: .utf8)
        var curves = try RunCurves(runFolder: folder)
        XCTAssertEqual(curves.label, folder.split(separator: "/").suffix(2).joined(separator: "/"))
        XCTAssertEqual(curves.points["episode_return_mean100"], [CurvePoint(step: 1024, value: 21.5), CurvePoint(step: 1536, value: 30)])
        XCTAssertEqual(curves.points["success_mean100"], [CurvePoint(step: 1536, value: 0.5)])
        XCTAssertNil(curves.points["loss"], "only the drawn metrics are kept")

        curves.append([("step", 2048), ("episode_return_mean100", 41.0), ("success_mean100", nil), ("loss", 0.1)])
        curves.append([("episode_return_mean100", 99.0)])
        XCTAssertEqual(curves.points["episode_return_mean100"]?.last, CurvePoint(step: 2048, value: 41))
        XCTAssertEqual(curves.points["success_mean100"]?.count, 1)
    }

    func testMissingFileHasNoPointsAndABadLineIsNamed() throws {
        let folder = try makeTemporaryFolder(for: self)
        XCTAssertEqual(try RunCurves(runFolder: folder + "/never-ran").points, [:])
        try "{\"step\":1}\n{\"step\":2,\"episode_return_mean100\":\n".write(toFile: folder + "/metrics.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunCurves(label: "x", metricsFile: folder + "/metrics.jsonl")) { error in
            XCTAssertEqual("\(error)", "\(folder)/metrics.jsonl line 2 is not a metrics record (a JSON object with a numeric \"step\")")
        }
    }

    func testAxesGetRoundTicksThatTheDataFills() {
        let steps = Axis(covering: 0, 120_832)
        XCTAssertEqual(steps.ticks, stride(from: 0.0, through: 140_000, by: 20_000).map { $0 })
        XCTAssertEqual(steps.ticks.map { steps.label($0, abbreviated: true) }, ["0", "20k", "40k", "60k", "80k", "100k", "120k", "140k"])
        let millions = Axis(covering: 0, 4_100_000)
        XCTAssertEqual(millions.ticks.map { millions.label($0, abbreviated: true) }, ["0", "1M", "2M", "3M", "4M", "5M"])
        let halves = Axis(covering: 0, 3_300_000)
        XCTAssertEqual(halves.ticks.map { halves.label($0, abbreviated: true) }, ["0", "0.5M", "1.0M", "1.5M", "2.0M", "2.5M", "3.0M", "3.5M"])
        let returns = Axis(covering: 22.4, 343.3)
        XCTAssertEqual([returns.low, returns.high, returns.tickStep], [0, 350, 50])
        let rate = Axis(covering: 0, 1)
        XCTAssertEqual(rate.ticks.map { rate.label($0) }, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let small = Axis(covering: -0.013, 0.031)
        XCTAssertEqual(small.ticks.map { small.label($0) }, ["-0.02", "-0.01", "0.00", "0.01", "0.02", "0.03", "0.04"])
        let flat = Axis(covering: 500, 500)
        XCTAssertTrue(flat.low < 500 && flat.high > 500, "one value still gets a window: \(flat)")
    }

    func testReservedRoomChangesNeitherThePointsNorEquality() {
        var plain = RunCurves(label: "run")
        var reserved = RunCurves(label: "run")
        reserved.reserveCapacity(logPoints: 500)
        XCTAssertEqual(plain, reserved)
        for step in 1...40 {
            let record: [(String, MetricValue)] = [("step", .integer(step * 100)), ("episode_return_mean100", .number(Double(step))), ("success_mean100", .null)]
            plain.append(record)
            reserved.append(record)
        }
        XCTAssertEqual(plain, reserved)
        XCTAssertEqual(reserved.points["episode_return_mean100"]?.count, 40)
        XCTAssertNil(reserved.points["success_mean100"], "a metric without values still has no entry")
        XCTAssertGreaterThanOrEqual(reserved.points["episode_return_mean100"]!.capacity, 500)
        reserved.reserveCapacity(logPoints: 10 * RunCurves.maximumReservation)
        XCTAssertLessThan(reserved.points["episode_return_mean100"]!.capacity, 2 * RunCurves.maximumReservation, "the reservation is capped")
    }

    func testPictureHasAPanelPerMetricSomeRunHas() {
        var first = RunCurves(label: "cartpole-ppo/seed & <1>")
        first.append([("step", 100), ("episode_return_mean100", 10.0)])
        first.append([("step", 200), ("episode_return_mean100", 20.0)])
        var second = RunCurves(label: "grid")
        second.append([("step", 100), ("episode_return_mean100", 0.5), ("success_mean100", 0.25)])
        let svg = LearningCurvesPicture(runs: [first, second]).svg()
        XCTAssertEqual(svg.components(separatedBy: "<g class=\"panel\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 3, "two runs in the return panel, one in the success panel")
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2, "a one-point curve is drawn as a dot")
        XCTAssertTrue(svg.contains(">cartpole-ppo/seed &amp; &lt;1&gt;</text>"), svg)
        XCTAssertTrue(svg.contains("data-run=\"cartpole-ppo/seed &amp; &lt;1&gt;\""), svg)

        let returnsOnly = LearningCurvesPicture(runs: [first]).svg()
        XCTAssertEqual(returnsOnly.components(separatedBy: "<g class=\"panel\"").count - 1, 1)
        XCTAssertFalse(returnsOnly.contains("success_mean100"))
        XCTAssertTrue(LearningCurvesPicture(runs: [RunCurves(label: "new")]).svg().contains("nothing to draw"))
    }
}

/// The picture's coordinates, written digit by digit, are `String(format: "%.1f")`'s text.
final class CoordinateFormattingTests: XCTestCase {
    func testTenthsAreThoseOfPrintfIncludingTiesNegativeZeroAndLargeValues() {
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 1.25, 2.5, -0.04, -0.05, -0.25, 123.45, 999.95, 1e14 + 0.05,
                                5e-324, -5e-324, 0.9999999999999999, 9.95, 1e15, .infinity, -.infinity, .nan]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Double(state >> 11) / Double(1 << 53)
            values.append((unit - 0.25) * 1_200)
            values.append(Double(Int(unit * 20_000)) / 20 - 250)  // exact halves of tenths, and near them
        }
        for value in values {
            var text = "x"
            appendFormatted(value, to: &text)
            XCTAssertEqual(text, "x" + String(format: "%.1f", value), "\(value)")
        }
    }

    /// The axis labels' decimals: 0 to 6 places, on values and on exact halves of the last place.
    func testEveryNumberOfDecimalsIsPrintfs() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for decimals in 0...6 {
            let place = pow(10, Double(-decimals))
            var values: [Double] = [0, -0.0, 0.5 * place, 1.5 * place, -2.5 * place, 2_500_000, 99.5, -0.4 * place]
            for _ in 0..<5_000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let unit = Double(state >> 11) / Double(1 << 53)
                values.append((unit - 0.25) * 4_000)
                values.append((Double(Int(unit * 40_000)) / 2 - 5_000) * place)
            }
            for value in values {
                var text = ""
                appendFormatted(value, decimals: decimals, to: &text)
                XCTAssertEqual(text, String(format: "%.\(decimals)f", value), "\(value) to \(decimals) places")
            }
        }
    }
}
