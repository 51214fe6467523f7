import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
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
import KuraStorage
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The registry plane in process: a real `KuraServer` bootstrapped in a temp data dir, its
/// responder served over plain HTTP on 127.0.0.1 (Hummingbird's live test setup), and an HTTP
/// client that sets the registry's Host header. The server reads a clock that stands still until
/// a test moves it (``clock``): time-based rules are driven, never waited for.
struct RegistryHarness: Sendable {
    enum Auth: Sendable {
        case none
        case admin
        case basic(String, String)
        case bearer(String)
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        /// The first OCI error code of the body.
        var errorCode: String? { ((json["errors"] as? [[String: Any]])?.first?["code"]) as? String }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    let server: KuraServer
    let http: HTTPClient
    let port: Int
    let adminPassword: String
    let dataDir: String
    /// The time of every rule of the server.
    let clock: ManualClock
    static let host = "default.cr.localhost:8443"

    static func run(dataDir: String? = nil, config: KuraConfig = KuraConfig(),
                    vaultPath: @Sendable @escaping (any KeyWrapClient) -> any KeyWrapClient = { $0 },
                    _ body: @Sendable (RegistryHarness) async throws -> Void) async throws {
        let path = dataDir ?? NSTemporaryDirectory() + "kura-plane-" + UUID().uuidString
        let clock = ManualClock()
        let server = try await KuraServer.bootstrap(directory: DataDirectory(path: path), config: config, environment: [:],
                                                    logger: Logger(label: "test"), clock: clock, vaultPath: vaultPath)
        let record = try await server.provisioner.registry(named: "default")!
        let password = try server.provisioner.adminCredentials(of: record)!.passwords[0]
        let app = Application(responder: server.responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await app.test(.live) { client in
                try await body(RegistryHarness(server: server, http: http, port: client.port!, adminPassword: password, dataDir: path,
                                             clock: clock))
            }
        } catch {
            try? await http.shutdown()
            try? await server.metadata.close()
            if dataDir == nil { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
        try await http.shutdown()
        try await server.metadata.close()
        if dataDir == nil { try? FileManager.default.removeItem(atPath: path) }
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
              auth: Auth = .admin, host: String = RegistryHarness.host) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.replaceOrAdd(name: "Host", value: host)
        switch auth {
        case .none: break
        case .admin: request.headers.add(name: "Authorization", value: "Basic " + Data("default:\(adminPassword)".utf8).base64EncodedString())
        case .basic(let user, let password):
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        case .bearer(let token): request.headers.add(name: "Authorization", value: "Bearer " + token)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    /// Pushes a blob monolithically into `repository`; returns its digest.
    @discardableResult
    func pushBlob(_ bytes: [UInt8], to repository: String = "team/app") async throws -> ContentDigest {
        let digest = Self.digest(bytes)
        let reply = try await send(.POST, "/v2/\(repository)/blobs/uploads/?digest=\(digest)", body: bytes)
        guard reply.status == 201 else { throw HarnessError("push blob: \(reply.status) \(reply.text)") }
        return digest
    }

    /// Pushes an image manifest (config + layers, pushed first) under `reference`; returns its digest and bytes.
    @discardableResult
    func pushImage(_ layers: [[UInt8]], tag reference: String, to repository: String = "team/app",
                   extra: [String: Any] = [:]) async throws -> (ContentDigest, [UInt8]) {
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        var descriptors: [[String: Any]] = []
        for layer in layers {
            descriptors.append(["mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": try await pushBlob(layer, to: repository).description,
                                "size": layer.count])
        }
        var manifest: [String: Any] = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": try await pushBlob(config, to: repository).description,
                       "size": config.count],
            "layers": descriptors,
        ]
        manifest.merge(extra) { $1 }
        let bytes = Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
        let reply = try await send(.PUT, "/v2/\(repository)/manifests/\(reference)",
                                   headers: [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], body: bytes)
        guard reply.status == 201 else { throw HarnessError("push manifest: \(reply.status) \(reply.text)") }
        return (Self.digest(bytes), bytes)
    }

    static func digest(_ bytes: [UInt8]) -> ContentDigest { ContentDigest(algorithm: .sha256, bytes: SHA256.hash(data: bytes)) }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
