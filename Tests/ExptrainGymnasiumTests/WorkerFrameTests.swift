import ExptrainEnvironment
import ExptrainGymnasium
import ExptrainRandom
import XCTest

/// The bridge's binary frames, byte for byte, without Python: what the worker script
/// (`Sources/ExptrainGymnasium/Resources/gymnasium_worker.py`) writes and reads.
final class WorkerFrameTests: XCTestCase {
    func testHeaderIsKindThenLengthLittleEndian() throws {
        let header = FrameHeader(.stepped, length: 0x0102_0304)
        XCTAssertEqual(header.bytes, [103, 0, 0, 0, 0x04, 0x03, 0x02, 0x01])
        let read = try header.bytes.withUnsafeBytes { try FrameHeader(reading: $0) }
        XCTAssertEqual(read, header)
    }

    func testHeaderRefusesImpossibleLengthsAndShortInput() {
        let huge: [UInt8] = [103, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        XCTAssertThrowsError(try huge.withUnsafeBytes { try FrameHeader(reading: $0) })
        let short: [UInt8] = [103, 0, 0]
        XCTAssertThrowsError(try short.withUnsafeBytes { try FrameHeader(reading: $0) })
    }

    func testDiscreteActionsAreInt32PerEnvironment() throws {
        var frame = ActionFrame(space: .discrete(count: 4), environments: 3)
        try frame.set(.discrete(3), environment: 0)
        try frame.set(.discrete(1), environment: 2)
        XCTAssertEqual(Array(frame.bytes.prefix(8)), FrameHeader(.step, length: 12).bytes)
        XCTAssertEqual(Array(frame.bytes.dropFirst(8)), [3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(frame.action(of: 2), .discrete(1))
        XCTAssertThrowsError(try frame.set(.discrete(4), environment: 1))
        XCTAssertThrowsError(try frame.set(.continuous([0]), environment: 1))
    }

    func testMultiDiscreteActionsAreInt32PerComponent() throws {
        var frame = ActionFrame(space: .multiDiscrete(counts: [3, 2]), environments: 2)
        try frame.set(.multiDiscrete([2, 1]), environment: 1)
        XCTAssertEqual(Array(frame.bytes.dropFirst(8)), [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(frame.action(of: 1), .multiDiscrete([2, 1]))
        XCTAssertThrowsError(try frame.set(.multiDiscrete([3, 0]), environment: 0))
        XCTAssertThrowsError(try frame.set(.multiDiscrete([1]), environment: 0))
    }

    func testBoxActionsAreFloat32PerElement() throws {
        var frame = ActionFrame(space: .box(Box(shape: [2], low: -1, high: 1)), environments: 1)
        try frame.set(.continuous([1, -0.5]), environment: 0)
        XCTAssertEqual(Array(frame.bytes.dropFirst(8)), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xBF])
        XCTAssertEqual(frame.action(of: 0), .continuous([1, -0.5]))
        XCTAssertThrowsError(try frame.set(.continuous([1]), environment: 0))
    }

    /// A `stepped` payload built field by field, as the worker lays it out, read back.
    func testSteppedPayloadLayout() {
        let layout = PayloadLayout(environments: 2, floatCount: 3, byteCount: 2)
        XCTAssertEqual(
            [layout.rewardsOffset, layout.floatsOffset, layout.finalFloatsOffset, layout.flagsOffset, layout.bytesOffset, layout.finalBytesOffset, layout.steppedSize],
            [0, 16, 40, 64, 66, 70, 74])
        var payload: [UInt8] = []
        for reward in [1.5, -2.0] { payload += littleEndian(reward.bitPattern) }
        for value: Float in [1, 2, 3, 4, 5, 6] { payload += littleEndian(value.bitPattern) }        // observations
        for value: Float in [-1, -2, -3, -4, -5, -6] { payload += littleEndian(value.bitPattern) }  // final observations
        payload += [0, PayloadLayout.Flags([.truncated, .successKnown, .success]).rawValue]
        payload += [10, 11, 12, 13]   // observation bytes
        payload += [20, 21, 22, 23]   // final bytes
        XCTAssertEqual(payload.count, layout.steppedSize)

        payload.withUnsafeBytes { raw in
            XCTAssertEqual(layout.reward(of: 0, in: raw), 1.5)
            XCTAssertEqual(layout.reward(of: 1, in: raw), -2)
            XCTAssertEqual(layout.flags(of: 0, in: raw), [])
            XCTAssertEqual(layout.flags(of: 1, in: raw), [.truncated, .successKnown, .success])
            var floats = [Float](repeating: 0, count: 3)
            var bytes = [UInt8](repeating: 0, count: 2)
            floats.withUnsafeMutableBufferPointer { f in
                bytes.withUnsafeMutableBufferPointer { b in layout.copySteppedObservation(of: 1, final: false, from: raw, floats: f, bytes: b) }
            }
            XCTAssertEqual(floats, [4, 5, 6])
            XCTAssertEqual(bytes, [12, 13])
            floats.withUnsafeMutableBufferPointer { f in
                bytes.withUnsafeMutableBufferPointer { b in layout.copySteppedObservation(of: 1, final: true, from: raw, floats: f, bytes: b) }
            }
            XCTAssertEqual(floats, [-4, -5, -6])
            XCTAssertEqual(bytes, [22, 23])
        }
    }

    func testObservationsPayloadIsEveryFloatThenEveryByte() {
        let layout = PayloadLayout(environments: 2, floatCount: 1, byteCount: 2)
        XCTAssertEqual(layout.observationsSize, 12)
        let payload = littleEndian(Float(7).bitPattern) + littleEndian(Float(8).bitPattern) + [1, 2, 3, 4]
        var floats: [Float] = [0]
        var bytes: [UInt8] = [0, 0]
        payload.withUnsafeBytes { raw in
            floats.withUnsafeMutableBufferPointer { f in
                bytes.withUnsafeMutableBufferPointer { b in layout.copyObservation(of: 1, from: raw, floats: f, bytes: b) }
            }
        }
        XCTAssertEqual(floats, [8])
        XCTAssertEqual(bytes, [3, 4])
    }

    // MARK: The handshake's spaces

    static let cartPoleSpaces = """
        {"gymnasium": "1.4.0", "python": "3.11.7", "maxEpisodeSteps": 500,
         "observation": {"dictionary": false, "parts": [{"name": "observation", "shape": [4], "elementType": "float32",
           "low": [-4.8, null, -0.42, null], "high": [4.8, null, 0.42, null]}]},
         "action": {"kind": "discrete", "n": 2}}
        """

    func testSpacesOfCartPole() throws {
        let spaces = try GymnasiumSpaces(json: Array(Self.cartPoleSpaces.utf8))
        XCTAssertEqual(spaces.actionSpace, .discrete(count: 2))
        XCTAssertEqual(spaces.maxEpisodeSteps, 500)
        XCTAssertEqual(spaces.gymnasiumVersion, "1.4.0")
        XCTAssertEqual(spaces.observationSpace, .box(Box(shape: [4], low: [-4.8, -.infinity, -0.42, -.infinity], high: [4.8, .infinity, 0.42, .infinity])))
    }

    func testSpacesOfADictionaryWithBytesAndABoxAction() throws {
        let json = """
            {"maxEpisodeSteps": null,
             "observation": {"dictionary": true, "parts": [
               {"name": "rgb", "shape": [2, 2, 3], "elementType": "uint8", "low": \(Array(repeating: 0, count: 12)), "high": \(Array(repeating: 255, count: 12))},
               {"name": "goal", "shape": [2], "elementType": "float32", "low": [-1, -1], "high": [1, 1]}]},
             "action": {"kind": "box", "shape": [3], "low": [-1, -1, -2], "high": [1, 1, 2]}}
            """
        let spaces = try GymnasiumSpaces(json: Array(json.utf8))
        XCTAssertEqual(spaces.observationSpace.byteCount, 12)
        XCTAssertEqual(spaces.observationSpace.floatCount, 2)
        XCTAssertEqual(spaces.observationSpace.parts.map(\.name), ["rgb", "goal"])
        XCTAssertEqual(spaces.actionSpace, .box(Box(shape: [3], low: [-1, -1, -2], high: [1, 1, 2])))
        XCTAssertNil(spaces.maxEpisodeSteps)
    }

    func testMalformedSpacesAreErrorsNamingWhatIsWrong() {
        let cases: [(String, String)] = [
            ("[]", "not a JSON object"),
            (#"{"observation": {"dictionary": false, "parts": []}, "action": {"kind": "discrete", "n": 2}}"#, "one Box"),
            (#"{"observation": {"dictionary": false, "parts": [{"name": "o", "shape": [2], "elementType": "float32", "low": [0], "high": [1, 1]}]}, "action": {"kind": "discrete", "n": 2}}"#, "needs 2 low bounds"),
            (#"{"observation": {"dictionary": false, "parts": [{"name": "o", "shape": [-1], "elementType": "float32", "low": [], "high": []}]}, "action": {"kind": "discrete", "n": 2}}"#, "not a list of sizes"),
            (#"{"observation": {"dictionary": true, "parts": [{"name": "o", "shape": [1], "elementType": "float32", "low": [0], "high": [1]}, {"name": "o", "shape": [1], "elementType": "float32", "low": [0], "high": [1]}]}, "action": {"kind": "discrete", "n": 2}}"#, "repeat"),
            (#"{"observation": {"dictionary": false, "parts": [{"name": "o", "shape": [1], "elementType": "float32", "low": [0], "high": [1]}]}, "action": {"kind": "discrete", "n": 0}}"#, "n ≥ 1"),
            (#"{"observation": {"dictionary": false, "parts": [{"name": "o", "shape": [100000, 100000], "elementType": "float32", "low": [], "high": []}]}, "action": {"kind": "discrete", "n": 2}}"#, "more than"),
            (#"{"observation": {"dictionary": false, "parts": [{"name": "o", "shape": [1], "elementType": "float32", "low": [0], "high": [1]}]}, "action": {"kind": "tuple"}}"#, "kind"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try GymnasiumSpaces(json: Array(json.utf8)), json) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should say \(expected)")
            }
        }
    }

    /// Outside input must never crash the rank (SPEC §13): random bytes, and the valid
    /// handshake with bytes changed, cut or repeated, are read or refused, nothing else.
    func testMangledSpacesNeverCrash() {
        var generator = RandomGenerator(seed: 12)
        let valid = Array(Self.cartPoleSpaces.utf8)
        for round in 0..<3_000 {
            var bytes = valid
            switch round % 4 {
            case 0:
                bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:
                for _ in 0..<(1 + generator.next() % 4) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            case 2:
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            default:
                let at = Int(generator.next() % UInt64(bytes.count))
                let digit = UInt8(ascii: "9")
                bytes.insert(contentsOf: [UInt8](repeating: digit, count: Int(generator.next() % 30)), at: at)
            }
            _ = try? GymnasiumSpaces(json: bytes)
        }
    }

    // MARK: The environment's description

    func testMakeArgumentsMustBeAJSONObjectAndAreSentVerbatim() throws {
        XCTAssertThrowsError(try GymnasiumEnvironment(id: "CartPole-v1", keywordArguments: "[1]")) { error in
            XCTAssertEqual((error as? TaskError)?.exitCode, ExitCode.usage)
        }
        XCTAssertThrowsError(try GymnasiumEnvironment(id: "CartPole-v1", setup: "minatar.gym.register_envs"))
        XCTAssertThrowsError(try GymnasiumEnvironment(id: "CartPole-v1", imports: ["not a module"]))
        XCTAssertThrowsError(try GymnasiumEnvironment(id: ""))
        let environment = try GymnasiumEnvironment(
            id: "my_module:My\"Env-v0", keywordArguments: #"{"scale": 1.0}"#, imports: ["a.b"], setup: "a.b:register")
        XCTAssertEqual(environment.description, #"my_module:My"Env-v0 {"scale": 1.0}"#)
    }

    /// `envWrappers` is a JSON list of {"wrapper": "module:Name", "kwargs": {…}}; anything
    /// else is a usage error (exit code 2) that says what is wrong with which wrapper.
    func testWrappersMustBeAListOfModuleNamesWithKeywordObjects() throws {
        func message(_ wrappers: String) -> String? {
            do {
                _ = try GymnasiumEnvironment(id: "CartPole-v1", wrappers: wrappers)
                return nil
            } catch {
                XCTAssertEqual(error.exitCode, ExitCode.usage)
                return error.message
            }
        }
        XCTAssertTrue(message(#"{"wrapper": "a:B"}"#)?.contains("must be a JSON list") == true)
        XCTAssertTrue(message("[1]")?.contains("wrapper 1 is not a JSON object") == true)
        XCTAssertTrue(message(#"[{"wrapper": "a:B"}, {"wrapper": "a.B"}]"#)?.contains("wrapper 2 names 'a.B', not module:Name") == true)
        XCTAssertTrue(message(#"[{"wrapper": "a:B", "kwarg": {}}]"#)?.contains("unknown key 'kwarg'") == true)
        XCTAssertTrue(message(#"[{"wrapper": "a:B", "kwargs": [4]}]"#)?.contains("kwargs of Gymnasium wrapper 1 (a:B) must be a JSON object") == true)
        XCTAssertTrue(message(#"[{"kwargs": {}}]"#)?.contains("names '', not module:Name") == true)
        let wrapped = try GymnasiumEnvironment(id: "CartPole-v1", wrappers: #" [{"wrapper": "gymnasium.wrappers:TimeLimit", "kwargs": {"max_episode_steps": 2.0}}] "#)
        XCTAssertEqual(wrapped.wrappers, #"[{"wrapper": "gymnasium.wrappers:TimeLimit", "kwargs": {"max_episode_steps": 2.0}}]"#, "kept verbatim")
        XCTAssertEqual(try GymnasiumEnvironment(id: "CartPole-v1", wrappers: "").wrappers, "[]")
    }

    /// An error frame's message and stage become one line whatever the worker wrote; a
    /// payload that is not the JSON is shown as text, and only the worker's own exit code 2
    /// is a usage error.
    func testErrorReportsAreOneLine() {
        let report = WorkerErrorReport(payload: Array(#"{"stage": "st\nep", "message": "Traceback:\nValueError: bad", "exitCode": 2}"#.utf8))
        XCTAssertEqual(report.stage, "st ep")
        XCTAssertEqual(report.line, "Traceback:; ValueError: bad")
        XCTAssertEqual(report.exitCode, ExitCode.usage)
        let text = WorkerErrorReport(payload: Array("killed\r\nby the kernel".utf8))
        XCTAssertEqual(text.stage, "?")
        XCTAssertEqual(text.line, "killed; by the kernel")
        XCTAssertEqual(text.exitCode, ExitCode.failure)
        XCTAssertEqual(WorkerErrorReport(payload: Array(#"{"stage": "make", "message": "x", "exitCode": 7}"#.utf8)).exitCode, ExitCode.failure)
    }
}

private func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
