# exptrain's Gymnasium worker: one process per rank, holding the rank's environments as
# one gymnasium.vector.SyncVectorEnv with same-step autoreset, stepped by the rank over
# its standard input and output (a Unix socket pair) in binary frames.
#
# Every frame is an 8-byte little-endian header, (kind: u32, payload length: u32), then
# the payload. The rank sends HELLO (JSON: environment id, make keyword arguments,
# imports, set-up function, wrappers) and the worker answers SPACES (JSON: the spaces, once);
# then START (JSON: environment count and seeds) → OBSERVATIONS, and per batch step
# STEP (the actions, binary) → STEPPED (binary, fixed size); RESET_ONE → OBSERVATION;
# CLOSE ends the worker. Any failure is an ERROR frame (JSON: stage, message, exit code)
# and the worker exits. The layouts are in Sources/ExptrainGymnasium/WorkerFrames.swift.
#
# The worker ends when its standard input closes, and when the rank dies
# (prctl(PR_SET_PDEATHSIG, SIGKILL), and a check of the parent's pid); it ignores SIGINT,
# SIGTERM and SIGUSR1, which are the rank's to act on.

import ctypes
import json
import os
import signal
import struct
import sys
import traceback

HELLO, START, STEP, RESET_ONE, CLOSE = 1, 2, 3, 4, 5
SPACES, OBSERVATIONS, STEPPED, OBSERVATION, ERROR = 101, 102, 103, 104, 199
HEADER = struct.Struct("<II")
MAX_PAYLOAD = 1 << 30


class Failure(Exception):
    """An error to report in an ERROR frame: where it happened and the exit code."""

    def __init__(self, stage, message, exit_code):
        super().__init__(message)
        self.stage, self.message, self.exit_code = stage, message, exit_code


def exception_line(error):
    """The last line of the exception's traceback: `ValueError: the message`."""
    lines = traceback.format_exception_only(type(error), error)
    return " ".join(lines[-1].split("\n")).strip() if lines else type(error).__name__


def die_with_parent(parent):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: die when the rank dies
    except Exception:
        pass
    if parent and os.getppid() != parent:  # the rank died before prctl
        os._exit(0)


class Channel:
    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd

    def read_exactly(self, count):
        buffer = bytearray(count)
        view = memoryview(buffer)
        done = 0
        while done < count:
            got = os.readv(self.read_fd, [view[done:]])
            if got == 0:
                os._exit(0)  # the rank closed the channel or died
            done += got
        return buffer

    def receive(self):
        kind, length = HEADER.unpack(self.read_exactly(HEADER.size))
        if length > MAX_PAYLOAD:
            raise Failure("protocol", f"a frame of {length} bytes from the rank", 1)
        return kind, self.read_exactly(length) if length else bytearray()

    def send(self, kind, payload):
        self.write_all(HEADER.pack(kind, len(payload)) + payload)

    def send_json(self, kind, value):
        self.send(kind, json.dumps(value, allow_nan=False).encode())

    def write_all(self, data):
        view = memoryview(data)
        while len(view):
            view = view[os.write(self.write_fd, view):]


def bounds(values):
    """Box bounds as JSON numbers, with None for an infinite bound (the Swift side reads
    None as -inf for a lower bound and +inf for an upper one)."""
    import numpy as np

    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return [None if not np.isfinite(v) else float(v) for v in flat]


class Part:
    """One observation part: how Gymnasium's value becomes exptrain's floats or bytes.

    kind "floats" (a float Box), "bytes" (a uint8 or bool Box), "one-hot" (Discrete) or
    "multi-one-hot" (MultiDiscrete, one one-hot per component)."""

    def __init__(self, name, space, env_id):
        import numpy as np
        from gymnasium import spaces

        self.name = name
        if isinstance(space, spaces.Box):
            dtype = np.dtype(space.dtype)
            self.shape = [int(s) for s in space.shape]
            self.size = int(np.prod(self.shape, dtype=np.int64))
            if dtype in (np.float32, np.float64):
                self.kind, self.element = "floats", "float32"
                self.low, self.high = bounds(space.low), bounds(space.high)
            elif dtype in (np.uint8, np.bool_):
                self.kind, self.element = "bytes", "uint8"
                if dtype == np.bool_:
                    self.low, self.high = [0.0] * self.size, [1.0] * self.size
                else:
                    self.low, self.high = bounds(space.low), bounds(space.high)
            else:
                raise unsupported(env_id, "observation", space, f"a Box of {dtype} (exptrain takes float32, float64, uint8 and bool Boxes)")
        elif isinstance(space, spaces.Discrete):
            self.kind, self.element = "one-hot", "float32"
            self.start, self.n = int(space.start), int(space.n)
            self.shape, self.size = [self.n], self.n
            self.low, self.high = [0.0] * self.n, [1.0] * self.n
        elif isinstance(space, spaces.MultiDiscrete):
            self.kind, self.element = "multi-one-hot", "float32"
            self.nvec = [int(n) for n in np.asarray(space.nvec).reshape(-1)]
            self.starts = [int(s) for s in np.asarray(space.start).reshape(-1)]
            self.offsets = np.cumsum([0] + self.nvec[:-1]).astype(np.int64)
            self.size = int(sum(self.nvec))
            self.shape = [self.size]
            self.low, self.high = [0.0] * self.size, [1.0] * self.size
        else:
            raise unsupported(env_id, "observation", space, None)
        if self.size == 0:
            raise unsupported(env_id, "observation", space, "an empty space")

    def describe(self):
        return {"name": self.name, "shape": self.shape, "elementType": self.element, "low": self.low, "high": self.high}

    def write(self, target, value):
        """Writes a batch of values, [rows, …], into target[rows, size]."""
        import numpy as np

        value = np.asarray(value)
        rows = target.shape[0]
        if self.kind in ("floats", "bytes"):
            target[:, :] = value.reshape(rows, self.size)
        elif self.kind == "one-hot":
            target[:, :] = 0
            target[np.arange(rows), value.reshape(rows) - self.start] = 1
        else:
            target[:, :] = 0
            indices = value.reshape(rows, len(self.nvec)) - np.asarray(self.starts) + self.offsets
            np.put_along_axis(target, indices, 1, axis=1)


def unsupported(env_id, which, space, detail):
    explanation = detail or "exptrain takes Discrete, MultiDiscrete, Box and a Dict of those for observations; Discrete, MultiDiscrete and a float Box for actions"
    return Failure("spaces", f"Gymnasium environment {env_id} has the {which} space {space}, which exptrain cannot use: {explanation}", 2)


class Observations:
    """The observation space as exptrain's parts, and writers of batches into frames."""

    def __init__(self, space, env_id):
        from gymnasium import spaces

        self.is_dict = isinstance(space, spaces.Dict)
        if self.is_dict:
            for name, sub in space.spaces.items():
                if isinstance(sub, spaces.Dict):
                    raise unsupported(env_id, "observation", space, f"part {name!r} is itself a Dict (nested dictionaries are not supported)")
            self.parts = [Part(str(name), sub, env_id) for name, sub in space.spaces.items()]
        else:
            self.parts = [Part("observation", space, env_id)]
        self.float_count = sum(p.size for p in self.parts if p.element == "float32")
        self.byte_count = sum(p.size for p in self.parts if p.element == "uint8")

    def describe(self):
        return {"dictionary": self.is_dict, "parts": [p.describe() for p in self.parts]}

    def write(self, floats, bytes_, value):
        """Writes a batch of observations into floats[rows, float_count] and bytes_[rows, byte_count]."""
        float_offset = byte_offset = 0
        for part in self.parts:
            part_value = value[part.name] if self.is_dict else value
            if part.element == "float32":
                part.write(floats[:, float_offset:float_offset + part.size], part_value)
                float_offset += part.size
            else:
                part.write(bytes_[:, byte_offset:byte_offset + part.size], part_value)
                byte_offset += part.size


class Actions:
    def __init__(self, space, env_id):
        import numpy as np
        from gymnasium import spaces

        if isinstance(space, spaces.Discrete):
            self.kind, self.wire, self.dimensions = "discrete", np.dtype("<i4"), 1
            self.start = int(space.start)
            self.description = {"kind": "discrete", "n": int(space.n)}
        elif isinstance(space, spaces.MultiDiscrete):
            self.kind, self.wire = "multiDiscrete", np.dtype("<i4")
            self.shape = tuple(space.nvec.shape)
            self.start = np.asarray(space.start).reshape(-1)
            self.dimensions = int(np.asarray(space.nvec).size)
            self.description = {"kind": "multiDiscrete", "counts": [int(n) for n in np.asarray(space.nvec).reshape(-1)]}
        elif isinstance(space, spaces.Box) and np.dtype(space.dtype) in (np.float32, np.float64):
            self.kind, self.wire = "box", np.dtype("<f4")
            self.shape, self.dtype = tuple(space.shape), np.dtype(space.dtype)
            self.dimensions = int(np.prod(space.shape, dtype=np.int64))
            self.description = {"kind": "box", "shape": [int(s) for s in space.shape],
                                "low": bounds(space.low), "high": bounds(space.high)}
        else:
            raise unsupported(env_id, "action", space, None)
        if self.dimensions == 0:
            raise unsupported(env_id, "action", space, "an empty space")

    def decode(self, payload, rows):
        import numpy as np

        values = np.frombuffer(payload, dtype=self.wire, count=rows * self.dimensions)
        if self.kind == "discrete":
            return values + self.start if self.start else values
        if self.kind == "multiDiscrete":
            return (values.reshape(rows, self.dimensions).astype(np.int64) + self.start).reshape((rows,) + self.shape)
        return values.reshape((rows,) + self.shape).astype(self.dtype)


def resolve_wrappers(wrappers):
    """The wrapper classes of HELLO's list ({"wrapper": "module:Name", "kwargs": {...}}), imported, with their kwargs."""
    resolved = []
    for number, item in enumerate(wrappers, 1):
        name = item["wrapper"]
        module_name, _, attribute = name.partition(":")
        try:
            wrapper = getattr(__import__(module_name, fromlist=[attribute]), attribute)
        except BaseException as error:  # noqa: BLE001  (reported to the rank, which ends the job)
            raise Failure("wrappers", f"wrapper {number} ({name}): {exception_line(error)}", 2)
        if not callable(wrapper):
            raise Failure("wrappers", f"wrapper {number} ({name}) is not a class or function", 2)
        resolved.append((number, name, wrapper, item.get("kwargs", {})))
    return resolved


def build(gymnasium, hello, wrappers):
    """gymnasium.make with HELLO's id and kwargs, then each wrapper in order: env = Wrapper(env, **kwargs)."""
    env = gymnasium.make(hello["env"], **hello.get("kwargs", {}))
    for number, name, wrapper, kwargs in wrappers:
        try:
            env = wrapper(env, **kwargs)
        except BaseException as error:  # noqa: BLE001
            raise Failure("wrappers", f"wrapper {number} ({name}) raised: {exception_line(error)}", 2)
    return env


def make_environment(hello):
    stage = "import"
    try:
        for module in hello.get("imports", []):
            __import__(module)
        if hello.get("setup"):
            module_name, _, function_name = hello["setup"].partition(":")
            module = __import__(module_name, fromlist=[function_name])
            getattr(module, function_name)()
        import gymnasium
        import numpy  # noqa: F401  (Gymnasium's own dependency; the frames are built with it)

        version = tuple(int(p) for p in gymnasium.__version__.split(".")[:2] if p.isdigit())
        if version < (1, 1):
            raise Failure("import", f"Gymnasium {gymnasium.__version__} found; the bridge needs Gymnasium >= 1.1 (same-step autoreset of vector environments)", 2)
        wrappers = resolve_wrappers(hello.get("wrappers", []))
        stage = "make"
        env = build(gymnasium, hello, wrappers)
    except Failure:
        raise
    except BaseException as error:  # noqa: BLE001  (reported to the rank, which ends the job)
        raise Failure(stage, exception_line(error), 2)
    return gymnasium, env, wrappers


class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.vector = None

    def hello(self, payload):
        hello = json.loads(payload)
        self.env_id = hello["env"]
        self.hello_request = hello
        self.gymnasium, self.probe, self.wrappers = make_environment(hello)
        try:
            self.observations = Observations(self.probe.observation_space, self.env_id)
            self.actions = Actions(self.probe.action_space, self.env_id)
        except Failure:
            raise
        except BaseException as error:  # noqa: BLE001
            raise Failure("spaces", exception_line(error), 2)
        spec = getattr(self.probe, "spec", None)
        self.channel.send_json(SPACES, {
            "gymnasium": self.gymnasium.__version__,
            "python": sys.version.split()[0],
            "observation": self.observations.describe(),
            "action": self.actions.description,
            "maxEpisodeSteps": getattr(spec, "max_episode_steps", None),
        })

    def start(self, payload):
        import numpy as np
        from gymnasium.vector import AutoresetMode, SyncVectorEnv

        request = json.loads(payload)
        count, seeds = int(request["environments"]), [int(s) for s in request["seeds"]]
        probe = self.probe
        self.probe = None
        makers = [lambda: probe] + [lambda: build(self.gymnasium, self.hello_request, self.wrappers)] * (count - 1)
        self.vector = SyncVectorEnv(makers, copy=False, autoreset_mode=AutoresetMode.SAME_STEP)
        self.count = count
        n, fc, bc = count, self.observations.float_count, self.observations.byte_count
        # STEPPED: rewards f64[n] | observations f32[n, fc] | final observations f32[n, fc]
        # | flags u8[n] | observation bytes u8[n, bc] | final observation bytes u8[n, bc].
        size = 8 * n + 8 * n * fc + n + 2 * n * bc
        self.stepped = bytearray(HEADER.size + size)
        HEADER.pack_into(self.stepped, 0, STEPPED, size)
        offset = HEADER.size
        self.rewards = np.frombuffer(self.stepped, "<f8", n, offset); offset += 8 * n
        self.floats = np.frombuffer(self.stepped, "<f4", n * fc, offset).reshape(n, fc); offset += 4 * n * fc
        self.final_floats = np.frombuffer(self.stepped, "<f4", n * fc, offset).reshape(n, fc); offset += 4 * n * fc
        self.flags = np.frombuffer(self.stepped, "u1", n, offset); offset += n
        self.bytes = np.frombuffer(self.stepped, "u1", n * bc, offset).reshape(n, bc); offset += n * bc
        self.final_bytes = np.frombuffer(self.stepped, "u1", n * bc, offset).reshape(n, bc)
        observation, _ = self.vector.reset(seed=seeds)
        self.observations.write(self.floats, self.bytes, observation)
        self.channel.send(OBSERVATIONS, self.floats.tobytes() + self.bytes.tobytes())

    def step(self, payload):
        import numpy as np

        actions = self.actions.decode(payload, self.count)
        observation, rewards, terminated, truncated, info = self.vector.step(actions)
        self.rewards[:] = rewards
        self.observations.write(self.floats, self.bytes, observation)
        flags = self.flags
        np.left_shift(truncated, 1, out=flags, dtype=np.uint8)
        np.bitwise_or(flags, terminated, out=flags, dtype=np.uint8)
        if flags.any():
            finals = info["final_obs"]
            final_info = info.get("final_info", {})
            for e in np.flatnonzero(flags):
                final = finals[e]
                if self.observations.is_dict:
                    batch = {name: np.asarray(value)[None] for name, value in final.items()}
                else:
                    batch = np.asarray(final)[None]
                self.observations.write(self.final_floats[e:e + 1], self.final_bytes[e:e + 1], batch)
                success = final_info.get("is_success", final_info.get("success")) if isinstance(final_info, dict) else None
                known = final_info.get("_is_success", final_info.get("_success")) if isinstance(final_info, dict) else None
                if success is not None and (known is None or known[e]):
                    flags[e] |= 4 | (8 if bool(success[e]) else 0)
        self.channel.write_all(self.stepped)

    def reset_one(self, payload):
        import numpy as np

        (environment,) = struct.unpack("<I", payload[:4])
        if environment >= self.count:
            raise Failure("protocol", f"RESET_ONE of environment {environment} of {self.count}", 1)
        observation, _ = self.vector.envs[environment].reset()
        if self.observations.is_dict:
            batch = {name: np.asarray(value)[None] for name, value in observation.items()}
        else:
            batch = np.asarray(observation)[None]
        self.observations.write(self.floats[environment:environment + 1], self.bytes[environment:environment + 1], batch)
        self.channel.send(OBSERVATION, self.floats[environment].tobytes() + self.bytes[environment].tobytes())

    def serve(self):
        stage = "hello"
        try:
            while True:
                kind, payload = self.channel.receive()
                if kind == STEP and self.vector is not None:
                    stage = "step"
                    self.step(payload)
                elif kind == HELLO:
                    stage = "hello"
                    self.hello(payload)
                elif kind == START and self.vector is None:
                    stage = "reset"
                    self.start(payload)
                elif kind == RESET_ONE and self.vector is not None:
                    stage = "reset"
                    self.reset_one(payload)
                elif kind == CLOSE:
                    break
                else:
                    raise Failure("protocol", f"unexpected frame kind {kind}", 1)
        except Failure as failure:
            self.report(failure.stage, failure.message, failure.exit_code)
        except BaseException as error:  # noqa: BLE001  (reported to the rank, which ends the job)
            if os.environ.get("EXPTRAIN_GYMNASIUM_TRACEBACK"):
                traceback.print_exc()
            self.report(stage, exception_line(error), 1)
        try:
            if self.vector is not None:
                self.vector.close()
        except BaseException:  # noqa: BLE001
            pass

    def report(self, stage, message, exit_code):
        try:
            self.channel.send_json(ERROR, {"stage": stage, "message": message, "exitCode": exit_code})
        except OSError:
            pass


def main():
    # The channel is standard input and output; whatever the environment prints goes to
    # standard error instead, so it cannot corrupt a frame.
    channel = Channel(os.dup(0), os.dup(1))
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # Interrupts and preemption signals are the rank's to act on (a batch system signals
    # every process of the job): the rank stops at an update boundary and then closes the
    # channel, which ends the worker.
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
        signal.signal(number, signal.SIG_IGN)
    die_with_parent(int(os.environ.get("EXPTRAIN_PARENT_PID", "0") or 0))
    Worker(channel).serve()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
