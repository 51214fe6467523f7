import Foundation
import HTTPTypes
import Hummingbird
import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraTestSupport
import NIOCore
import Testing

/// Fuzz (issue 13 §7): the request headers kura parses itself — `Range`, `Content-Range`, the
/// `Authorization: Basic` credentials — and the `WWW-Authenticate` challenge a remote vault sends.
/// Random and mutated values parse into something within bounds, or are refused as a client
/// error (4xx); none traps.
@Suite struct HeaderFuzzTests {
    static let sizes: [Int64] = [0, 1, 2, 10, 1000, 1 << 20, Int64(Int32.max), Int64(UInt32.max) + 1, Int64.max - 1, Int64.max]

    @Test func rangeHeadersGiveARangeInsideTheBlobOrNone() {
        let seeds = ["bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-10", "bytes=0-9223372036854775807", "bytes=-9223372036854775807",
                     "bytes=9223372036854775806-", "bytes= 3 - 7 ", "BYTES=1-2", "bytes=1-2,4-5", "bytes=-", "bytes=-0", "bytes=+1-+2"]
        var fuzz = FuzzRun("Range (ByteRange.parse)", seed: 0x52_414E_4745)
        for _ in 0..<fuzz.cases {
            let header = fuzz.string(seeds: seeds, maxLength: 128)
            let size = fuzz.below(4) == 0 ? fuzz.int64(in: 0...Int64.max) : fuzz.pick(Self.sizes)
            fuzz.trace("\(header) (size \(size))")
            let range = ByteRange.parse(header, size: size)
            if let (first, last) = Self.plainRange(header), first < size {
                // The plain form `bytes=<first>-<last>` has one meaning: clamped to the blob.
                fuzz.check(range == first..<(min(last, size - 1) + 1), "\(FuzzRun.quoted(header)) of \(size) bytes gave \(String(describing: range))")
            }
            guard let range else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(range.lowerBound >= 0 && range.lowerBound < range.upperBound && range.upperBound <= size,
                       "\(FuzzRun.quoted(header)) gave \(range), outside a \(size)-byte blob")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// `bytes=<digits>-<digits>` with first ≤ last (at most 18 digits each, so both fit `Int64`).
    static func plainRange(_ header: String) -> (Int64, Int64)? {
        guard header.hasPrefix("bytes=") else { return nil }
        let parts = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 18 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let first = Int64(parts[0]), let last = Int64(parts[1]), first <= last
        else { return nil }
        return (first, last)
    }

    @Test func contentRangeHeadersGiveAChunkWhoseLengthFitsOrAClientError() {
        let seeds = ["0-0", "0-99", "bytes 0-99/100", "bytes 0-99/*", "100-199", "0-9223372036854775807", "1-9223372036854775807",
                     "9223372036854775807-9223372036854775807", "1-0", "-1-5", "0-", "-", "bytes */100", " 5-6 ", "+1-+2"]
        var fuzz = FuzzRun("Content-Range (UploadController.chunkHeaders)", seed: 0x43_5241_4E47)
        for _ in 0..<fuzz.cases {
            let header = fuzz.string(seeds: seeds, maxLength: 128)
            let length: String? = fuzz.below(3) == 0 ? nil : fuzz.string(seeds: ["0", "100", "-1", "9223372036854775807"], maxLength: 32)
            fuzz.trace("Content-Range: \(header), Content-Length: \(length ?? "none")")
            var fields = HTTPFields()
            fields[.contentRange] = header
            if let length { fields[.contentLength] = length }
            let request = Request(head: HTTPRequest(method: .patch, scheme: "https", authority: "default.cr.localhost",
                                                    path: "/v2/team/app/blobs/uploads/00000000-0000-4000-8000-000000000000", headerFields: fields),
                                  body: RequestBody(buffer: ByteBuffer()))
            do {
                let (range, _) = try UploadController.chunkHeaders(request)
                guard let range else { fuzz.reject(); continue }
                fuzz.accept()
                // UploadService counts the range (`range.count`): that count must fit in Int64.
                let span = range.upperBound - range.lowerBound
                fuzz.check(range.lowerBound >= 0 && !span.addingReportingOverflow(1).overflow,
                           "Content-Range \(FuzzRun.quoted(header)) gave \(range.lowerBound)...\(range.upperBound), whose length overflows")
            } catch {
                fuzz.refused(error, "Content-Range \(FuzzRun.quoted(header))")
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func basicCredentialsDecodeAndRoundTripOrAreRefused() {
        func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        let seeds = [basic("default:password"), basic("00000000-0000-0000-0000-000000000000:eyJhbGciOiJIUzI1NiJ9.e30.sig"), basic(":"),
                     basic("user"), basic("é:🙂"), basic("a:b:c"), "Basic Og==", "Basic ", "Basic =", "Basic  ZGVmYXVsdDpw  ",
                     "Basic ZGVmYXVsdDpw\u{0}", "Basic !!!!"]
        var fuzz = FuzzRun("Authorization Basic (RegistryPlane.basicCredentials)", seed: 0x42_4153_4943,
                           tokens: FuzzRun.tokens + ["=", "==", "Og", "ZGVmYXVsdA", "/", "+", "-", "_"])
        for _ in 0..<fuzz.cases {
            let header = fuzz.string(seeds: seeds, maxLength: 256)
            fuzz.trace(header)
            guard let credentials = RegistryPlane.basicCredentials(header) else { fuzz.reject(); continue }
            fuzz.accept()
            let again = RegistryPlane.basicCredentials(basic(credentials.username + ":" + credentials.password))
            fuzz.check(again?.username == credentials.username && again?.password == credentials.password,
                       "\(FuzzRun.quoted(header)) gave \(FuzzRun.quoted(credentials.username)):\(FuzzRun.quoted(credentials.password)), which does not round-trip")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    @Test func challengesNameAResourceTakenFromTheChallengeOrNone() {
        let seeds = [#"Bearer authorization="https://login.localhost:8443/11111111-2222-4333-8444-555555555555", resource="https://vault.localhost:8443""#,
                     #"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default""#,
                     #"Bearer realm="", resource="https://management.localhost/""#, "Bearer", "Bearer resource=", #"Bearer resource="""#,
                     #"Basic realm="x""#, #"Bearer scope="/.default""#, #"Bearer resource="a,b", scope="c""#, "Bearer ,,,=,="]
        var fuzz = FuzzRun("WWW-Authenticate (RemoteKeyWrapClient.resource(in:))", seed: 0x57_5757_41,
                           tokens: FuzzRun.tokens + ["resource", "scope", "authorization", "\"", "=\"", "\",", "/.default"])
        for _ in 0..<fuzz.cases {
            let challenge = fuzz.string(seeds: seeds, maxLength: 512)
            fuzz.trace(challenge)
            guard let resource = RemoteKeyWrapClient.resource(in: challenge) else { fuzz.reject(); continue }
            fuzz.accept()
            fuzz.check(Self.contains(challenge, resource), "\(FuzzRun.quoted(challenge)) gave \(FuzzRun.quoted(resource)), which it does not hold")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// Whether `part`'s UTF-8 occurs in `text`'s.
    static func contains(_ text: String, _ part: String) -> Bool {
        let whole = Array(text.utf8), piece = Array(part.utf8)
        guard piece.count <= whole.count else { return false }
        guard !piece.isEmpty else { return true }
        return (0...(whole.count - piece.count)).contains { whole[$0..<($0 + piece.count)].elementsEqual(piece) }
    }
}

extension FuzzRun {
    /// Counts a refused input and checks the registry plane answers its error with a 4xx, never a 500.
    mutating func refused(_ error: any Error, _ input: @autoclosure () -> String) {
        reject()
        let status = OCIError(error).status.code
        check((400..<500).contains(status), "\(input()) answered \(status): \(error)")
    }
}
