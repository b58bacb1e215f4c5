import Foundation

/// Learning curves of one or more runs as a self-contained SVG picture that any browser
/// or image viewer shows: one panel per metric that some run has (the 100-episode mean
/// return, and the success rate for tasks that define success) against global steps,
/// one colour per run, axes with ticks and labels, and a legend naming the runs.
///
/// Each panel is a `<g class="panel" data-metric="…">` with one
/// `<polyline class="curve">` per run that has points for its metric.
///
/// ```swift
/// let picture = LearningCurvesPicture(runs: [try RunCurves(label: "seed 1", metricsFile: "runs/a/metrics.jsonl")])
/// try picture.write(to: "curves.svg")
/// ```
public struct LearningCurvesPicture: Sendable {
    /// The metrics drawn, in panel order: the `metrics.jsonl` key and the panel's title.
    public static let metrics: [(key: String, title: String)] = [
        ("episode_return_mean100", "Episode return, mean of the last 100 episodes"),
        ("success_mean100", "Success rate, mean of the last 100 episodes"),
    ]

    public var runs: [RunCurves]

    public init(runs: [RunCurves]) {
        self.runs = runs
    }

    /// Writes the picture to `path`, replacing the file in one step so a reader never
    /// sees half a picture.
    public func write(to path: String) throws(MetricsLogError) {
        do {
            try Data(svg().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MetricsLogError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    // MARK: Layout, in SVG user units (pixels)

    private static let width = 760.0
    private static let plotLeft = 76.0
    private static let plotRight = width - 24
    private static let panelHeight = 290.0
    private static let plotTop = 40.0     // below the panel's title
    private static let plotBottom = 240.0 // above the tick labels and the axis label
    private static let legendRowHeight = 20.0
    /// Tableau's ten colours: distinct, and readable on white.
    private static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// The picture as SVG text.
    public func svg() -> String {
        let panels = Self.metrics.filter { metric in runs.contains { !($0.points[metric.key] ?? []).isEmpty } }
        let legendTop = Double(max(panels.count, 1)) * Self.panelHeight
        let height = legendTop + 16 + Double(runs.count) * Self.legendRowHeight + 8
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        if panels.isEmpty {
            appendText("No episode has ended yet: nothing to draw.", x: Self.width / 2, y: Self.panelHeight / 2, anchor: "middle", size: 14, to: &svg)
        }
        for (index, metric) in panels.enumerated() {
            svg += panel(metric, top: Double(index) * Self.panelHeight)
        }
        svg += legend(top: legendTop + 16)
        return svg + "</svg>\n"
    }

    private func panel(_ metric: (key: String, title: String), top: Double) -> String {
        let series = runs.map { $0.points[metric.key] ?? [] }
        let all = series.joined()
        let xAxis = Axis(covering: 0, all.map(\.step).max() ?? 1)
        // A rate stays on its natural 0…1 scale, so runs and panels compare at a glance.
        let yAxis = metric.key.hasPrefix("success")
            ? Axis(covering: 0, 1)
            : Axis(covering: all.map(\.value).min() ?? 0, all.map(\.value).max() ?? 1)
        let bottom = top + Self.plotBottom
        let plotTop = top + Self.plotTop
        func x(_ step: Double) -> Double { Self.plotLeft + (step - xAxis.low) / (xAxis.high - xAxis.low) * (Self.plotRight - Self.plotLeft) }
        func y(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - plotTop) }

        var svg = "<g class=\"panel\" data-metric=\"\(metric.key)\">\n"
        appendText("\(metric.title) (\(metric.key))", x: Self.plotLeft, y: top + 24, anchor: "start", size: 14, weight: "bold", to: &svg)
        for tick in yAxis.ticks {
            appendLine(x1: Self.plotLeft, y1: y(tick), x2: Self.plotRight, y2: y(tick), stroke: "#e6e6e6", to: &svg)
            appendText(yAxis.label(tick), x: Self.plotLeft - 8, y: y(tick) + 4, anchor: "end", to: &svg)
        }
        for tick in xAxis.ticks {
            appendLine(x1: x(tick), y1: plotTop, x2: x(tick), y2: bottom, stroke: "#f0f0f0", to: &svg)
            appendLine(x1: x(tick), y1: bottom, x2: x(tick), y2: bottom + 5, stroke: "#333333", to: &svg)
            appendText(xAxis.label(tick, abbreviated: true), x: x(tick), y: bottom + 19, anchor: "middle", to: &svg)
        }
        appendLine(x1: Self.plotLeft, y1: bottom, x2: Self.plotRight, y2: bottom, stroke: "#333333", to: &svg)
        appendLine(x1: Self.plotLeft, y1: plotTop, x2: Self.plotLeft, y2: bottom, stroke: "#333333", to: &svg)
        appendText("global environment steps", x: (Self.plotLeft + Self.plotRight) / 2, y: bottom + 38, anchor: "middle", to: &svg)
        let middle = (plotTop + bottom) / 2
        svg += "<text x=\"18\" y=\"\(format(middle))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(format(middle)))\">\(escaped(metric.key))</text>\n"
        for (index, points) in series.enumerated() where !points.isEmpty {
            let colour = Self.palette[index % Self.palette.count]
            svg += "<polyline class=\"curve\" data-run=\"\(escaped(runs[index].label))\" points=\""
            // Point by point into the picture itself: a run's final picture has thousands.
            for (position, point) in points.enumerated() {
                if position > 0 { svg.append(" ") }
                appendFormatted(x(point.step), to: &svg)
                svg.append(",")
                appendFormatted(y(point.value), to: &svg)
            }
            svg += "\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
            if points.count == 1 {
                // A line through one point draws nothing.
                svg += "<circle cx=\"\(format(x(points[0].step)))\" cy=\"\(format(y(points[0].value)))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
        }
        return svg + "</g>\n"
    }

    private func legend(top: Double) -> String {
        var svg = "<g class=\"legend\">\n"
        for (index, run) in runs.enumerated() {
            let rowY = top + Double(index) * Self.legendRowHeight
            let colour = Self.palette[index % Self.palette.count]
            svg += "<rect x=\"\(format(Self.plotLeft))\" y=\"\(format(rowY + 2))\" width=\"24\" height=\"4\" fill=\"\(colour)\"/>\n"
            appendText(run.label, x: Self.plotLeft + 32, y: rowY + 8, anchor: "start", to: &svg)
        }
        return svg + "</g>\n"
    }

    // The elements below are appended piece by piece: a picture has dozens of ticks, and a
    // String made per element would make the closing picture's allocations grow with them.

    private func appendText(
        _ content: String, x: Double, y: Double, anchor: String, size: Int = 12, weight: String = "normal", to svg: inout String
    ) {
        svg.append("<text")
        appendAttribute("x", x, to: &svg)
        appendAttribute("y", y, to: &svg)
        appendAttribute("text-anchor", anchor, to: &svg)
        appendAttribute("font-size", Double(size), decimals: 0, to: &svg)
        appendAttribute("font-weight", weight, to: &svg)
        svg.append(" fill=\"#222222\">")
        appendEscaped(content, to: &svg)
        svg.append("</text>\n")
    }

    private func appendLine(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, to svg: inout String) {
        svg.append("<line")
        appendAttribute("x1", x1, to: &svg)
        appendAttribute("y1", y1, to: &svg)
        appendAttribute("x2", x2, to: &svg)
        appendAttribute("y2", y2, to: &svg)
        appendAttribute("stroke", stroke, to: &svg)
        svg.append(" stroke-width=\"1\"/>\n")
    }

    /// ` name="value"`, the value as `%.<decimals>f` writes it.
    private func appendAttribute(_ name: String, _ value: Double, decimals: Int = 1, to svg: inout String) {
        var digits = ""  // up to 15 bytes, which a String keeps inline
        appendFormatted(value, decimals: decimals, to: &digits)
        appendAttribute(name, digits, to: &svg)
    }

    /// ` name="value"`, the value as it is (the callers' values need no escaping).
    private func appendAttribute(_ name: String, _ value: String, to svg: inout String) {
        svg.append(" ")
        svg.append(name)
        svg.append("=\"")
        svg.append(value)
        svg.append("\"")
    }
}

/// An axis's range widened to round tick values: 1, 2 or 5 times a power of ten apart,
/// at most seven intervals, so the data fills most of the axis.
struct Axis: Equatable {
    let low: Double
    let high: Double
    let tickStep: Double

    init(covering minimum: Double, _ maximum: Double) {
        var minimum = minimum
        var maximum = maximum
        if maximum <= minimum {
            // One value (or none): a unit-wide window around it.
            minimum -= 0.5
            maximum += 0.5
        }
        let rough = (maximum - minimum) / 7
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let multiple = [1.0, 2, 5, 10].first { rough <= $0 * magnitude * 1.0001 } ?? 10
        tickStep = multiple * magnitude
        low = (minimum / tickStep).rounded(.down) * tickStep
        high = (maximum / tickStep).rounded(.up) * tickStep
    }

    var ticks: [Double] {
        let count = Int(((high - low) / tickStep).rounded())
        return (0...count).map { low + Double($0) * tickStep }
    }

    /// `value` with as many decimals as the tick step needs; `abbreviated` writes
    /// thousands and millions as `k` and `M` (steps: `250k`, `1.5M`).
    func label(_ value: Double, abbreviated: Bool = false) -> String {
        if abbreviated && high >= 10_000 {
            let (divisor, suffix) = high >= 2_000_000 ? (1e6, "M") : (1e3, "k")
            return value == 0 ? "0" : Axis.decimal(value / divisor, step: tickStep / divisor) + suffix
        }
        return Axis.decimal(value, step: tickStep)
    }

    private static func decimal(_ value: Double, step: Double) -> String {
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        var text = ""
        // Exact zero, not "-0" from a tick that lands a rounding error below it.
        appendFormatted(abs(value) < step / 1e6 ? 0 : value, decimals: decimals, to: &text)
        return text
    }
}

/// `value` with one decimal, for coordinates.
private func format(_ value: Double) -> String {
    var text = ""
    appendFormatted(value, to: &text)
    return text
}

/// `String(format: "%.<decimals>f", value)` appended to `text` without `String(format:)`,
/// whose every call allocates (a run's final picture has thousands of coordinates and
/// labels): the exact binary value rounded to `decimals` places, ties to even, with `-`
/// for every negative value.
func appendFormatted(_ value: Double, decimals: Int = 1, to text: inout String) {
    // 10^decimals is exact in a Double up to 10^22; the integer below stays exact under 2^53.
    let scale = decimals <= 22 ? pow(10, Double(max(decimals, 0))) : .infinity
    guard value.isFinite, (value.magnitude * scale) < 1e15 else {
        return text.append(String(format: "%.\(decimals)f", value))
    }
    // value·scale = product + error exactly; rounding the product to an integer is off only
    // where the product lands exactly halfway, and the error's sign then decides.
    let product = value * scale
    let error = (-product).addingProduct(value, scale)
    var units = product.rounded(.toNearestOrEven)
    if product - units == 0.5 && error > 0 { units += 1 }
    if product - units == -0.5 && error < 0 { units -= 1 }
    let magnitude = UInt64(units.magnitude)
    let unitsPerOne = UInt64(scale)
    if value.sign == .minus { text.append("-") }
    appendDecimal(magnitude / unitsPerOne, to: &text)
    guard decimals > 0 else { return }
    text.append(".")
    var place = unitsPerOne / 10
    let fraction = magnitude % unitsPerOne
    while place > 0 {
        text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(fraction / place % 10)))
        place /= 10
    }
}

/// The decimal digits of `number`, appended one by one.
private func appendDecimal(_ number: UInt64, to text: inout String) {
    if number >= 10 { appendDecimal(number / 10, to: &text) }
    text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(number % 10)))
}

/// `text` safe inside an XML element or a double-quoted attribute.
private func escaped(_ text: String) -> String {
    var result = ""
    appendEscaped(text, to: &result)
    return result
}

/// `escaped(text)` appended to `output`.
private func appendEscaped(_ text: String, to output: inout String) {
    for character in text {
        switch character {
        case "&": output += "&amp;"
        case "<": output += "&lt;"
        case ">": output += "&gt;"
        case "\"": output += "&quot;"
        default: output.append(character)
        }
    }
}
