import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import KuraCore
import KuraCrypto
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVaultHTTP
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraStorage
import KuraTestSupport
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Every host through its one chain, on planes whose stores fail: an error no plane maps answers
/// 500 in that plane's own envelope, naming a request id that the response's `x-ms-request-id`
/// and exactly one error log line carry too; a database that cannot be reached answers 503 in the
/// plane's envelope.
@Suite struct HostChainTests {
    /// What no plane maps.
    struct Unmapped: Error, CustomStringConvertible {
        var description: String { "a failure no plane maps" }
    }

    static let installation = Installation(tenantId: "22222222-2222-4222-8222-222222222222",
                                           subscriptionId: "11111111-1111-4111-8111-111111111111", createdAt: "")

    /// One request to each host: (host, path, whether it carries a management/vault token).
    enum Host: String, CaseIterable, CustomStringConvertible {
        case main, vault, registry
        var description: String { rawValue }
    }

    struct Reply: Sendable {
        let status: Int
        let requestID: String?
        let body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    /// Serves `stores`' planes on 127.0.0.1 and sends one request to `host`; returns the reply and
    /// the warning and error log lines written meanwhile.
    static func send(to host: Host, stores: PlaneStores) async throws -> (Reply, [LogCapture.Record]) {
        let root = NSTemporaryDirectory() + "kura-chain-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let planes = try await Planes.assemble(stores: stores, blobs: EncryptedBlobStore(store: try await FileSystemBlobStore.open(root: root)),
                                               keys: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)), installation: installation,
                                               config: KuraConfig())
        let hosts = try Hosts(planes: planes, config: KuraConfig(), identitySecret: "secret")
        let capture = LogCapture()
        let app = Application(responder: hosts.responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                              logger: Logger(label: "test", factory: { _ in capture.handler() }))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let reply: Reply
        do {
            reply = try await app.test(.live) { client in
                var request: HTTPClientRequest
                switch host {
                case .main:
                    let token = try await planes.authority.issue(objectID: UUID().uuidString.lowercased(), appID: "app",
                                                                 audience: planes.endpoints.managementAudience, version: .v2)
                    request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/subscriptions/\(installation.subscriptionId)/resourcegroups?api-version=2021-04-01")
                    request.headers.add(name: "Host", value: "localhost:8443")
                    request.headers.add(name: "Authorization", value: "Bearer " + token)
                case .vault:
                    request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/keys?api-version=7.4")
                    request.headers.add(name: "Host", value: "kv1.vault.localhost:8443")
                case .registry:
                    request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/v2/")
                    request.headers.add(name: "Host", value: "default.cr.localhost:8443")
                }
                let response = try await http.execute(request, timeout: .seconds(60))
                let body = try await response.body.collect(upTo: 1 << 20)
                return Reply(status: Int(response.status.code), requestID: response.headers.first(name: "x-ms-request-id"),
                             body: Array(body.readableBytesView))
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return (reply, capture.records.filter { $0.level >= .warning })
    }

    /// The code and message of a reply, whatever the plane's envelope.
    static func envelope(_ reply: Reply, _ host: Host) -> (code: String?, message: String?) {
        switch host {
        case .main, .vault:
            let error = reply.json["error"] as? [String: Any]
            return (error?["code"] as? String, error?["message"] as? String)
        case .registry:
            let error = (reply.json["errors"] as? [[String: Any]])?.first
            return (error?["code"] as? String, error?["message"] as? String)
        }
    }

    @Test(arguments: Host.allCases)
    func anErrorNoPlaneMapsIsA500InThePlanesEnvelopeWithItsRequestIDAndOneLogLine(_ host: Host) async throws {
        let failing = ThrowingStore(Unmapped())
        let stores = PlaneStores(directory: failing, registries: failing, content: failing, uploads: failing, vaults: failing,
                                 management: failing)
        let (reply, logged) = try await Self.send(to: host, stores: stores)
        let errors = logged.filter { $0.level >= .error }
        #expect(reply.status == 500)
        let (code, message) = Self.envelope(reply, host)
        #expect(code == ["main": "InternalServerError", "vault": "InternalError", "registry": "UNKNOWN"][host.rawValue])
        let id = try #require(reply.requestID, "the response names its request id")
        #expect(message?.contains(id) == true, "the message names the request id: \(message ?? "-")")
        #expect(errors.count == 1, "one log line: \(errors)")
        #expect(errors.first?.metadata["hb.request.id"] == id)
        #expect(errors.first?.metadata["error"]?.contains("a failure no plane maps") == true, "the line names the error")
    }

    @Test(arguments: Host.allCases)
    func aDatabaseThatCannotBeReachedIsA503InThePlanesEnvelope(_ host: Host) async throws {
        // Port 1 on loopback: nothing listens there, so every connection is refused — a stopped
        // PostgreSQL as the driver sees it.
        let stopped = try SQLMetadataStore.postgres(url: "postgres://kura:kura@127.0.0.1:1/kura")
        let (reply, logged) = try await Self.send(to: host, stores: .sql(stopped))
        try? await stopped.close()
        #expect(reply.status == 503)
        let (code, message) = Self.envelope(reply, host)
        #expect(code == ["main": "ServiceUnavailable", "vault": "ServiceUnavailable", "registry": "UNAVAILABLE"][host.rawValue])
        #expect(message?.isEmpty == false)
        #expect(message?.contains("127.0.0.1") != true, "the client is not told the database's address or the driver's words")
        let id = try #require(reply.requestID)
        // The cause is in the log, once, under the request id (the client is only told to retry).
        #expect(logged.filter { $0.metadata["hb.request.id"] == id && $0.message == "store unavailable" }.count == 1, "\(logged)")
    }
}

/// Keeps every log record written through its handlers (with the logger's metadata), for tests.
final class LogCapture: Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let stored = Mutex<[Record]>([])
    var records: [Record] { stored.withLock { $0 } }

    func handler() -> Handler { Handler(capture: self) }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let record = Record(level: event.level, message: event.message.description, metadata: merged.mapValues { $0.description })
            capture.stored.withLock { $0.append(record) }
        }
    }
}
