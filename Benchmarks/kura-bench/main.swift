// kura — a self-hosted encrypted container registry.
// kura-bench: throughput of KBF1 next to raw swift-crypto, and peak RSS of a large round trip.
//
// Run with `Benchmarks/run.sh` (release build). Prints figures; passes or fails nothing.

import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraRegistry
import KuraStorage
import NIOCore

let arguments = CommandLine.arguments
func option(_ name: String, default value: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}
let throughputMiB = Int(option("--throughput-mib", default: "1024"))!
let roundTripGiB = Int(option("--roundtrip-gib", default: "4"))!
let workDirectory = option("--dir", default: NSTemporaryDirectory() + "kura-bench-" + UUID().uuidString)

/// Peak resident set size of this process so far, in MiB (VmHWM).
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return -1 }
    return Double(line.split(separator: " ").dropFirst().first ?? "0")! / 1024
}

func measure(_ label: String, bytes: Int, _ body: () async throws -> Void) async rethrows {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(bytes) / seconds / 1_048_576
    print(label.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%9.1f MiB/s  (%.0f MiB in %.2f s)", rate, Double(bytes) / 1_048_576, seconds))
}

/// `count` buffers of one shared 1 MiB segment of pseudo-random bytes (no allocation per buffer).
struct RepeatedSegments: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let segment: ByteBuffer
    let count: Int
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(segment: segment, remaining: count) }
    struct AsyncIterator: AsyncIteratorProtocol {
        let segment: ByteBuffer
        var remaining: Int
        mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return segment
        }
    }
}

let mebibyte = 1 << 20
var generator = SystemRandomNumberGenerator()
let segmentBytes = (0..<mebibyte).map { _ in UInt8.random(in: 0...255, using: &generator) }
let segment = ByteBuffer(bytes: segmentBytes)
let dataKey = DataKey.generate(registryID: "bench")
let total = throughputMiB * mebibyte

print("kura-bench: \(throughputMiB) MiB per throughput run, 1 MiB buffers, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("-- engine round trip on the filesystem store (\(workDirectory))")
let engine = EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: workDirectory))
let roundTripSegments = roundTripGiB * 1024
print(String(format: "peak RSS before the round trip: %.1f MiB", peakRSSMiB()))
var stored: StoredBlob!
try await measure("write \(roundTripGiB) GiB through the engine (to disk)", bytes: roundTripSegments * mebibyte) {
    stored = try await engine.write(RepeatedSegments(segment: segment, count: roundTripSegments), dataKey: dataKey)
}
var readBack = 0
var verify = SHA256()
try await measure("read \(roundTripGiB) GiB back through the engine", bytes: roundTripSegments * mebibyte) {
    let blob = try await engine.open(stored.digest, dataKey: dataKey)
    for try await buffer in try await engine.read(blob) {
        readBack += buffer.readableBytes
        buffer.withUnsafeReadableBytes { verify.update(bufferPointer: $0) }
    }
}
let verified = ContentDigest(algorithm: .sha256, bytes: verify.finalize()) == stored.digest && readBack == roundTripSegments * mebibyte
print("round trip: \(readBack) bytes read back, digest \(verified ? "matches" : "DOES NOT MATCH")")
print(String(format: "peak RSS after a %d GiB write + read: %.1f MiB", roundTripGiB, peakRSSMiB()))
try? FileManager.default.removeItem(atPath: workDirectory)
print("-- swift-crypto baseline")
let aesKey = SymmetricKey(size: .bits256)
try await measure("AES-256-GCM seal (1 MiB messages)", bytes: total) {
    for _ in 0..<throughputMiB { _ = try AES.GCM.seal(segmentBytes, using: aesKey) }
}
let sealedBox = try AES.GCM.seal(segmentBytes, using: aesKey)
try await measure("AES-256-GCM open (1 MiB messages)", bytes: total) {
    for _ in 0..<throughputMiB { _ = try AES.GCM.open(sealedBox, using: aesKey) }
}
await measure("SHA-256", bytes: total) {
    var hasher = SHA256()
    for _ in 0..<throughputMiB { hasher.update(data: segmentBytes) }
    _ = hasher.finalize()
}

print("-- KBF1 (in memory: hash + seal / open, 1 MiB segments)")
var storedObject: [UInt8] = []
let writeResult = KBF1WriteResult()
try await measure("KBF1 encrypt (SHA-256 + AES-256-GCM)", bytes: total) {
    for try await _ in KBF1EncryptingSequence(RepeatedSegments(segment: segment, count: throughputMiB), dataKey: dataKey,
                                              expectedDigest: nil, result: writeResult) {}
}
// Keep a 256 MiB object to measure decryption on real ciphertext.
let decryptMiB = min(throughputMiB, 256)  // held in memory: measured after the RSS figure above
let smallResult = KBF1WriteResult()
var storedBuffers: [ByteBuffer] = []
for try await buffer in KBF1EncryptingSequence(RepeatedSegments(segment: segment, count: decryptMiB), dataKey: dataKey,
                                               expectedDigest: nil, result: smallResult) {
    storedBuffers.append(buffer)
}
let opener = try KBF1Opener(headerBytes: Array(storedBuffers.first!.readableBytesView),
                            trailerBytes: Array(storedBuffers.last!.readableBytesView),
                            storedSize: Int64(storedBuffers.reduce(0) { $0 + $1.readableBytes }), dataKey: dataKey,
                            expectedDigest: smallResult.digest!)
let segmentsOnly = ByteStream(buffers: Array(storedBuffers.dropFirst().dropLast()))
try await measure("KBF1 decrypt (AES-256-GCM open + copy out)", bytes: decryptMiB * mebibyte) {
    for try await _ in KBF1DecryptingSequence(segmentsOnly, opener: opener, range: 0..<opener.plaintextLength) {}
}
storedBuffers.removeAll()

