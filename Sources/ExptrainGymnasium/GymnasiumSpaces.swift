import ExptrainEnvironment
import Foundation

/// What a Gymnasium environment looks like to exptrain, as its worker described it once
/// in the handshake: the spaces mapped to exptrain's (SPEC §9) and the step limit.
///
/// The mapping: a `Box` of float32 or float64 is a Float32 `Box`; a `Box` of uint8 or
/// bool stays bytes (bool as 0/1); an observation `Discrete(n)` is a one-hot Float32
/// `Box` of `n`, a `MultiDiscrete` one one-hot per component side by side; a `Dict` of
/// those is `ObservationSpace.dictionary` in the Dict's order. Actions: `Discrete` and
/// `MultiDiscrete` (Gymnasium's `start` offsets are added by the worker), a float `Box`.
/// Anything else is refused by the worker with the environment and the space named.
public struct GymnasiumSpaces: Sendable, Equatable {
    public var observationSpace: ObservationSpace
    public var actionSpace: ActionSpace
    /// `env.spec.max_episode_steps`, when the environment has a step limit.
    public var maxEpisodeSteps: Int?
    /// The Gymnasium version the worker runs.
    public var gymnasiumVersion: String

    public init(observationSpace: ObservationSpace, actionSpace: ActionSpace, maxEpisodeSteps: Int?, gymnasiumVersion: String) {
        self.observationSpace = observationSpace
        self.actionSpace = actionSpace
        self.maxEpisodeSteps = maxEpisodeSteps
        self.gymnasiumVersion = gymnasiumVersion
    }

    /// The largest observation or action (in elements) a handshake may describe.
    static let maximumElements = 1 << 26

    /// Reads the worker's `spaces` JSON; throws a `FrameError` naming what is malformed.
    public init(json: [UInt8]) throws(FrameError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json))
        } catch {
            throw FrameError("the worker's spaces are not JSON: \(error)")
        }
        guard let root = object as? [String: Any] else { throw FrameError("the worker's spaces are not a JSON object") }
        guard let observation = root["observation"] as? [String: Any], let parts = observation["parts"] as? [Any],
              let isDictionary = observation["dictionary"] as? Bool
        else { throw FrameError("the worker's spaces have no observation parts") }
        var observationParts: [ObservationPart] = []
        for (index, value) in parts.enumerated() {
            guard let part = value as? [String: Any], let name = part["name"] as? String else {
                throw FrameError("observation part \(index) has no name")
            }
            let elementType: ElementType
            switch part["elementType"] as? String {
            case "float32": elementType = .float32
            case "uint8": elementType = .uint8
            default: throw FrameError("observation part \(name) has no element type float32 or uint8")
            }
            observationParts.append(ObservationPart(name, try Self.box(part, what: "observation part \(name)", elementType: elementType)))
        }
        guard !observationParts.isEmpty, isDictionary || observationParts.count == 1 else {
            throw FrameError("the observation must be one Box or a dictionary of parts, got \(observationParts.count) parts")
        }
        guard Set(observationParts.map(\.name)).count == observationParts.count else {
            throw FrameError("the observation's part names repeat: \(observationParts.map(\.name))")
        }
        guard observationParts.reduce(0, { $0 + $1.box.size }) <= Self.maximumElements else {
            throw FrameError("the observation has more than \(Self.maximumElements) elements")
        }
        observationSpace = isDictionary ? .dictionary(observationParts) : .box(observationParts[0].box)

        guard let action = root["action"] as? [String: Any] else { throw FrameError("the worker's spaces have no action space") }
        switch action["kind"] as? String {
        case "discrete":
            guard let count = Self.integer(action["n"]), count >= 1, count <= Int(Int32.max) else {
                throw FrameError("a Discrete action space needs n ≥ 1")
            }
            actionSpace = .discrete(count: count)
        case "multiDiscrete":
            guard let counts = (action["counts"] as? [Any])?.compactMap(Self.integer), counts.count == (action["counts"] as? [Any])?.count,
                  !counts.isEmpty, counts.count <= Self.maximumElements, counts.allSatisfy({ $0 >= 1 && $0 <= Int(Int32.max) })
            else { throw FrameError("a MultiDiscrete action space needs counts, each ≥ 1") }
            actionSpace = .multiDiscrete(counts: counts)
        case "box":
            actionSpace = .box(try Self.box(action, what: "the action Box", elementType: .float32))
        default:
            throw FrameError("the action space's kind is not discrete, multiDiscrete or box")
        }
        do {
            try actionSpace.validate()
        } catch {
            throw FrameError(error.message)
        }
        switch root["maxEpisodeSteps"] {
        case nil, is NSNull: maxEpisodeSteps = nil
        case let value:
            guard let steps = Self.integer(value), steps >= 1 else { throw FrameError("maxEpisodeSteps must be a positive integer or null") }
            maxEpisodeSteps = steps
        }
        gymnasiumVersion = root["gymnasium"] as? String ?? "?"
    }

    /// A Box from `{"shape", "low", "high"}`, a bound's `null` meaning infinite.
    private static func box(_ value: [String: Any], what: String, elementType: ElementType) throws(FrameError) -> Box {
        guard let shapeValues = value["shape"] as? [Any] else { throw FrameError("\(what) has no shape") }
        let shape = shapeValues.compactMap(integer)
        guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 && $0 <= maximumElements }) else {
            throw FrameError("\(what) has the shape \(shapeValues), not a list of sizes")
        }
        var size = 1
        for dimension in shape {
            size *= dimension
            guard size <= maximumElements else { throw FrameError("\(what) has more than \(maximumElements) elements") }
        }
        guard size >= 1 else { throw FrameError("\(what) is empty") }
        func bounds(_ key: String, infinity: Float) throws(FrameError) -> [Float] {
            guard let values = value[key] as? [Any], values.count == size else { throw FrameError("\(what) needs \(size) \(key) bounds") }
            var bounds: [Float] = []
            bounds.reserveCapacity(size)
            for element in values {
                if element is NSNull {
                    bounds.append(infinity)
                } else if let number = element as? NSNumber {
                    bounds.append(Float(number.doubleValue))
                } else {
                    throw FrameError("\(what) has a \(key) bound that is not a number")
                }
            }
            return bounds
        }
        let low = try bounds("low", infinity: -.infinity)
        let high = try bounds("high", infinity: .infinity)
        return Box(shape: shape, low: low, high: high, elementType: elementType)
    }

    /// An integer from JSON: a whole number.
    private static func integer(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9e15 else { return nil }
        return Int(double)
    }
}
