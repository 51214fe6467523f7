import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Testing

/// The real `kura serve` binary over TLS on loopback: first start, health on both address
/// families, host routing, restart reusing the data dir, graceful SIGTERM.
@Suite(.serialized) struct ServeLiveTests {
    @Test func firstStartServesBothLoopbacksAndASecondStartReusesTheDataDir() async throws {
        let dataDir = NSTemporaryDirectory() + "kura-live-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = try LiveServer.freePort()
        let managementToken = LockedString()

        let first = try LiveServer.start(dataDir: dataDir, port: port)
        let client: HTTPClient
        do {
            client = try await LiveServer.client(trusting: dataDir + "/tls/ca.pem")
        } catch {
            _ = try? first.stop()
            throw error
        }
        do {
            try await first.waitUntilHealthy(client: client)
            for base in ["https://127.0.0.1:\(port)", "https://[::1]:\(port)"] {
                let (status, body) = try await LiveServer.get(client, base + "/healthz")
                #expect(status == 200, "\(base)/healthz")
                #expect(body.contains(#""status":"ok""#))
            }
            let (metricsStatus, metrics) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/metrics")
            #expect(metricsStatus == 200)
            #expect(metrics.contains("# TYPE"), "Prometheus text exposition")

            let (unknownStatus, unknown) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/healthz", host: "example.com")
            #expect(unknownStatus == 404)
            #expect(unknown.contains(#""code":"UnknownHost""#))
            let (registryStatus, registry) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/v2/", host: "nosuch.cr.localhost:\(port)")
            #expect(registryStatus == 404)
            #expect(registry.contains(#""errors":[{"#) && registry.contains("NAME_UNKNOWN"), "OCI error envelope: \(registry)")
            let (vaultStatus, vault) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/keys", host: "nosuch.vault.localhost:\(port)")
            #expect(vaultStatus == 404)
            #expect(vault.contains(#""error":{"#) && vault.contains("VaultNotFound"))
            let (routeStatus, route) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/no/such/route")
            #expect(routeStatus == 404)
            #expect(route.contains(#""code":"NotFound""#))
            managementToken.set(try await LiveServer.managementToken(client, port: port, dataDir: dataDir))
        } catch {
            try await client.shutdown()
            _ = try? first.stop()
            throw error
        }
        let token = managementToken.get()
        #expect(!token.isEmpty)
        let firstExit = try first.stop()
        #expect(firstExit.status == 0, "graceful shutdown exits 0; stderr: \(firstExit.stderr)")
        #expect(firstExit.stdout.contains("password:"), "the first start prints the admin secret")
        let tenant = try LiveServer.tenant(dataDir)
        let ca = try Data(contentsOf: URL(fileURLWithPath: dataDir + "/tls/ca.pem"))
        #expect(LiveServer.temporaryFiles(in: dataDir).isEmpty, "no half-written file survives")

        let second = try LiveServer.start(dataDir: dataDir, port: port)
        do {
            try await second.waitUntilHealthy(client: client)
            #expect(try LiveServer.tenant(dataDir) == tenant)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dataDir + "/tls/ca.pem")) == ca, "same CA: clients keep trusting it")
            let (status, subscriptions) = try await LiveServer.get(client, "https://127.0.0.1:\(port)/subscriptions?api-version=2022-12-01",
                                                                   bearer: token)
            #expect(status == 200, "a token issued before the restart is accepted after it")
            #expect(subscriptions.contains(#""state":"Enabled""#))
        } catch {
            try await client.shutdown()
            _ = try? second.stop()
            throw error
        }
        try await client.shutdown()
        let secondExit = try second.stop()
        #expect(secondExit.status == 0)
        #expect(!secondExit.stdout.contains("password:"), "the admin secret is printed only once")
        #expect(secondExit.stdout.contains(tenant))
    }

    @Test func printConfigShowsTheEffectiveConfigurationAndUnknownKeysFail() throws {
        let dataDir = NSTemporaryDirectory() + "kura-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try "server:\n  port: 9444\nkeys:\n  checkInterval: 10s\n".write(toFile: dataDir + "/kura.yaml", atomically: true, encoding: .utf8)
        let shown = try LiveServer.run(["serve", "--data-dir", dataDir, "--print-config", "--log-level", "debug"],
                                       environment: ["KURA_KEYS_UNAVAILABLE_GRACE": "1m"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("port: 9444"))
        #expect(shown.stdout.contains("checkInterval: 10s"))
        #expect(shown.stdout.contains("unavailableGrace: 1m"))
        #expect(shown.stdout.contains("level: debug"))

        try "server:\n  prot: 9444\n".write(toFile: dataDir + "/kura.yaml", atomically: true, encoding: .utf8)
        let refused = try LiveServer.run(["serve", "--data-dir", dataDir, "--print-config"], environment: [:])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("server.prot"))
    }
}

/// A `kura serve` child process with its output captured to files.
struct LiveServer {
    let process: Process
    let stdoutFile: String
    let stderrFile: String

    struct Exit {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["KURA_BINARY"] { return explicit }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kura").path
    }

    static func start(dataDir: String, port: Int) throws -> LiveServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDir, "--port", String(port)]
        let outputs = NSTemporaryDirectory() + "kura-live-out-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: outputs + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: outputs + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputs + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputs + ".err"))
        try process.run()
        return LiveServer(process: process, stdoutFile: outputs + ".out", stderrFile: outputs + ".err")
    }

    /// Runs `kura` to completion.
    static func run(_ arguments: [String], environment: [String: String]) throws -> Exit {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Exit(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                    stderr: String(decoding: stderr, as: UTF8.self))
    }

    func waitUntilHealthy(client: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw LiveServerError("kura serve exited early: \(String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: stderrFile))) ?? Data(), as: UTF8.self))")
            }
            if let (status, _) = try? await Self.get(client, "https://127.0.0.1:\(port)/healthz"), status == 200 {
                // Both listeners start together; wait for the IPv6 one too.
                if let (status6, _) = try? await Self.get(client, "https://[::1]:\(port)/healthz"), status6 == 200 { return }
            }
            // A real external process (`kura serve`, started above) comes up on its own time and
            // tells nobody: its health endpoint is asked again after a pause.
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LiveServerError("kura serve did not become healthy within 60 s")
    }

    private var port: Int { Int(process.arguments!.last!)! }

    /// Sends SIGTERM and waits for the exit.
    func stop() throws -> Exit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Exit(status: process.terminationStatus,
                    stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: stdoutFile)), as: UTF8.self),
                    stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: stderrFile)), as: UTF8.self))
    }

    /// A client that trusts only `caFile` (waits for the server to write it).
    static func client(trusting caFile: String) async throws -> HTTPClient {
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: caFile) && ContinuousClock.now < deadline {
            // The CA file is written by a real external process (`kura serve` on its first start).
            try await Task.sleep(for: .milliseconds(100))
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func get(_ client: HTTPClient, _ url: String, host: String? = nil, bearer: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer " + bearer) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// A management token for the bootstrap admin, from the v2 token endpoint.
    static func managementToken(_ client: HTTPClient, port: Int, dataDir: String) async throws -> String {
        let admin = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dataDir + "/admin-credentials.json"))) as! [String: Any]
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/\(admin["tenant"]!)/oauth2/v2.0/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "grant_type=client_credentials&client_id=\(admin["appId"]!)&client_secret=\(admin["password"]!)&scope=https%3A%2F%2Fmanagement.localhost%2F%2F.default"
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        return object?["access_token"] as? String ?? ""
    }

    static func tenant(_ dataDir: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: dataDir + "/installation.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["tenantId"] as? String ?? ""
    }

    static func temporaryFiles(in directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if relative.contains(".tmp-") || relative.hasPrefix("blobs/_tmp/") { found.append(relative) }
        }
        return found
    }

    /// A TCP port free on both 127.0.0.1 and ::1 right now.
    static func freePort() throws -> Int {
        for _ in 0..<50 {
            let candidate = Int.random(in: 20000..<60000)
            if portIsFree(candidate, family: AF_INET) && portIsFree(candidate, family: AF_INET6) { return candidate }
        }
        throw LiveServerError("no free port found")
    }

    private static func portIsFree(_ port: Int, family: Int32) -> Bool {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }
}

struct LiveServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
