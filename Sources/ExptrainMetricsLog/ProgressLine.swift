import Foundation

/// Where training stands at a log point, and its one-line summary for a terminal.
///
/// ```swift
/// let progress = ProgressLine(step: 123_456, totalSteps: 500_000, stepsPerSecond: 48_210,
///                            recentReturn: 212.4, meanReturnLast100: 198.7, successRate: 0.93)
/// progress.formattedLine()
/// // "step 123,456/500,000 | 48,210 steps/s | return 212.4 (mean100 198.7) | success 0.93 | ETA 7s"
/// ```
public struct ProgressLine: Sendable, Equatable {
    /// Steps done in the current stage.
    public var step: Int
    /// Steps the current stage runs for.
    public var totalSteps: Int
    /// Recent throughput, which also gives the time left.
    public var stepsPerSecond: Double
    /// Mean return of the episodes finished since the last log point; nil if none.
    public var recentReturn: Double?
    /// Mean return of the last 100 finished episodes; nil if none.
    public var meanReturnLast100: Double?
    /// Fraction of recent episodes that succeeded, for tasks that define success.
    public var successRate: Double?

    public init(step: Int, totalSteps: Int, stepsPerSecond: Double, recentReturn: Double? = nil,
                meanReturnLast100: Double? = nil, successRate: Double? = nil) {
        self.step = step
        self.totalSteps = totalSteps
        self.stepsPerSecond = stepsPerSecond
        self.recentReturn = recentReturn
        self.meanReturnLast100 = meanReturnLast100
        self.successRate = successRate
    }

    /// The summary line; parts without a value (return, mean, success) are left out,
    /// and the ETA is `--` until there is a throughput to estimate it from.
    public func formattedLine() -> String {
        var parts = [
            "step \(groupedThousands(step))/\(groupedThousands(totalSteps))",
            "\(wholeNumber(stepsPerSecond).map(groupedThousands) ?? "--") steps/s",
        ]
        switch (recentReturn, meanReturnLast100) {
        case let (recent?, mean?): parts.append("return \(oneDecimal(recent)) (mean100 \(oneDecimal(mean)))")
        case let (recent?, nil): parts.append("return \(oneDecimal(recent))")
        case let (nil, mean?): parts.append("mean100 \(oneDecimal(mean))")
        case (nil, nil): break
        }
        if let successRate {
            parts.append("success \(twoDecimals(successRate))")
        }
        parts.append("ETA \(estimatedTimeLeft())")
        return parts.joined(separator: " | ")
    }

    private func estimatedTimeLeft() -> String {
        guard stepsPerSecond > 0, let seconds = wholeNumber((Double(max(totalSteps - step, 0)) / stepsPerSecond).rounded(.down)) else {
            return "--"
        }
        return formattedDuration(seconds: seconds)
    }
}

/// `value` rounded to an `Int`, or nil if it is not finite or too large to count.
private func wholeNumber(_ value: Double) -> Int? {
    value.isFinite && value.magnitude < 1e15 ? Int(value.rounded()) : nil
}

/// `seconds` in the two largest units: `7s`, `3m05s`, `2h03m`, `1d04h`.
func formattedDuration(seconds: Int) -> String {
    func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    switch seconds {
    case ..<60: return "\(seconds)s"
    case ..<3600: return "\(seconds / 60)m\(twoDigits(seconds % 60))s"
    case ..<86400: return "\(seconds / 3600)h\(twoDigits(seconds / 60 % 60))m"
    default: return "\(seconds / 86400)d\(twoDigits(seconds / 3600 % 24))h"
    }
}

/// `value` with commas between groups of three digits, independent of the locale.
func groupedThousands(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
        grouped.append(digit)
    }
    return (value < 0 ? "-" : "") + grouped
}

// Foundation's `String(format:)` without a locale always uses "." as the decimal point.
private func oneDecimal(_ value: Double) -> String { String(format: "%.1f", value) }
private func twoDecimals(_ value: Double) -> String { String(format: "%.2f", value) }
