extension SafetensorsFile {
    /// Saves the file at `path`, atomically: a crash or a full disk while saving leaves
    /// either the previous file or the complete new one, never a broken file.
    ///
    /// The bytes are written with one write to a temporary file in the same folder,
    /// which is fsynced and renamed over `path`; the folder is then fsynced.
    ///
    /// ```swift
    /// try checkpoint.write(to: "runs/cartpole/checkpoints/latest.safetensors")
    /// ```
    public func write(to path: String) throws(CheckpointFileError) {
        try writeFileAtomically(serialized(), to: path)
    }

    /// Reads and validates the safetensors file at `path`.
    ///
    /// - Throws: `CheckpointFileError` if the file cannot be read, and
    ///   `CheckpointFormatError` naming `path` if it is truncated or corrupt.
    ///
    /// ```swift
    /// let checkpoint = try SafetensorsFile.read(from: "runs/cartpole/checkpoints/latest.safetensors")
    /// ```
    public static func read(from path: String) throws -> SafetensorsFile {
        try SafetensorsFile(bytes: readWholeFile(at: path), source: path)
    }
}
