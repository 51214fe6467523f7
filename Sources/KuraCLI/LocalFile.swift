// kura — a self-hosted encrypted container registry.
// LocalFile: files the CLI writes (profile, tokens, key backups), never half-written.

import Foundation

enum LocalFile {
    /// Replaces `file` with `data`: temp file (0600) → fsync → rename, so a reader sees the old
    /// file or the new one, never a part.
    /// - Throws: ``CLIError`` `.local` naming the file.
    static func write(_ data: Data, to file: String) throws(CLIError) {
        let temporary = file + ".tmp-\(getpid())"
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CLIError(.local, "Cannot write \(file).")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, file) == 0 else { throw CLIError(.local, "Cannot replace \(file).") }
        } catch let error as CLIError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw CLIError(.local, "Cannot write \(file): \(error)")
        }
    }
}
