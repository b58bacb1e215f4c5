import ExptrainEnvironment
import ExptrainGymnasium
import FuzzDriver

@main
enum BridgeFuzzer {
    static func main() {
        runLibFuzzer(fuzzBridge)
    }
}

/// One input is what a Gymnasium worker could send a rank.
///
/// The first byte gives the number of environments (1 to 8); the rest is a stream of
/// frames, each decoded as the rank decodes it: the 8-byte header, then by kind the
/// `spaces` handshake JSON, an `error` report, or — once the spaces are known and the
/// length is the one they fix — the `observations`, `observation` and `stepped` payloads
/// through `PayloadLayout`, with the action frame the spaces call for. A frame the rank
/// would refuse ends the stream, as it ends the worker. Errors must be one line; a trap is
/// a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBridge(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard let first = input.first else { return 0 }
    let environments = Int(first % 8) + 1
    var spaces: GymnasiumSpaces?
    var offset = 1
    while offset < input.count {
        let header: FrameHeader
        do {
            header = try FrameHeader(reading: UnsafeRawBufferPointer(rebasing: input[offset...]))
        } catch {
            oneLine(error.message)
            return 0
        }
        offset += FrameHeader.size
        guard header.length <= input.count - offset else { return 0 }
        let payload = UnsafeRawBufferPointer(rebasing: input[offset..<(offset + header.length)])
        offset += header.length
        switch FrameKind(rawValue: header.kind) {
        case .spaces?:
            do {
                spaces = try GymnasiumSpaces(json: Array(payload))
            } catch {
                oneLine(error.message)
                return 0
            }
        case .error?:
            let report = WorkerErrorReport(payload: Array(payload))
            oneLine(report.stage)
            oneLine(report.line)
        case let kind? where spaces != nil:
            guard decode(kind, payload, spaces: spaces!, environments: environments) else { return 0 }
        default:
            return 0
        }
    }
    return 0
}

/// Decodes one binary frame as `GymnasiumTaskBatch` does; false when its length is not
/// the one the spaces fix (the rank kills such a worker).
private func decode(_ kind: FrameKind, _ payload: UnsafeRawBufferPointer, spaces: GymnasiumSpaces, environments: Int) -> Bool {
    let space = spaces.observationSpace
    let layout = PayloadLayout(environments: environments, floatCount: space.floatCount, byteCount: space.byteCount)
    let single = PayloadLayout(environments: 1, floatCount: space.floatCount, byteCount: space.byteCount)
    var floats = [Float](repeating: 0, count: layout.floatCount)
    var bytes = [UInt8](repeating: 0, count: layout.byteCount)
    func read(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>) -> Void) {
        floats.withUnsafeMutableBufferPointer { floats in
            bytes.withUnsafeMutableBufferPointer { bytes in body(floats, bytes) }
        }
    }
    switch kind {
    case .observations where payload.count == layout.observationsSize:
        for e in 0..<environments { read { layout.copyObservation(of: e, from: payload, floats: $0, bytes: $1) } }
    case .observation where payload.count == single.observationsSize:
        read { single.copyObservation(of: 0, from: payload, floats: $0, bytes: $1) }
    case .stepped where payload.count == layout.steppedSize:
        var actions = ActionFrame(space: spaces.actionSpace, environments: environments)
        for e in 0..<environments {
            _ = layout.reward(of: e, in: payload)
            let flags = layout.flags(of: e, in: payload)
            read { layout.copySteppedObservation(of: e, final: false, from: payload, floats: $0, bytes: $1) }
            if flags.contains(.terminated) || flags.contains(.truncated) {
                read { layout.copySteppedObservation(of: e, final: true, from: payload, floats: $0, bytes: $1) }
            }
            do {
                try actions.set(actions.action(of: e), environment: e)
            } catch {
                oneLine(error.message)
            }
        }
    default:
        return false
    }
    return true
}

private func oneLine(_ message: String) {
    precondition(!message.utf8.contains(10), "a bridge error spans several lines: \(message)")
}
