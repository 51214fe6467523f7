import KuraCore
import KuraRegistry
import KuraStorage
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): manifest bodies and their Content-Type on random and mutated input. A
/// manifest parses or fails as a client error (4xx), never anything else.
@Suite struct ManifestDocumentFuzzTests {
    static let a = "sha256:" + String(repeating: "a", count: 64)
    static let b = "sha256:" + String(repeating: "b", count: 64)
    static let c = "sha512:" + String(repeating: "c", count: 128)
    static let seeds: [String] = [
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(a)","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(b)","size":3},{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":"\#(c)","size":4}],"annotations":{"k":"v","org.opencontainers.image.created":"2024-01-01T00:00:00Z"}}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"x/y","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(a)","size":9,"platform":{"os":"linux","architecture":"amd64"}}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(b)","size":1}}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\#(a)","size":9223372036854775807},"layers":[]}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}"#,
        #"{"schemaVersion":2,"artifactType":"application/vnd.example+type","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(a)","size":2,"data":"e30="},"layers":[{"digest":"\#(b)","size":-1}],"subject":{"digest":"\#(c)","size":18446744073709551616}}"#,
    ]
    static let contentTypes: [String?] = [
        nil, "", "application/octet-stream", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "text/plain", ";",
    ]

    @Test func manifestsParseOrFailAsAClientError() {
        var fuzz = FuzzRun("manifest (ManifestDocument.init)", seed: 0x4D_414E, tokens: FuzzRun.tokens + [
            #""schemaVersion":2"#, #""size":"#, #""digest":""#, #""mediaType":""#, #""layers":[]"#, #""manifests":[]"#, #""subject":{}"#,
            #""config":{}"#, #""annotations":{}"#, Self.a, "application/vnd.oci.image.manifest.v1+json",
        ])
        let seeds = Self.seeds.map { Array($0.utf8) }
        let typeSeeds = Self.contentTypes.compactMap { $0 }
        for _ in 0..<fuzz.cases {
            let body = fuzz.bytes(seeds: seeds, maxLength: 2048)
            let contentType: String? = fuzz.below(8) == 0 ? fuzz.string(seeds: typeSeeds, maxLength: 128) : fuzz.pick(Self.contentTypes)
            fuzz.trace("\(contentType ?? "(no Content-Type)") \(String(decoding: body, as: UTF8.self))")
            do throws(RegistryError) {
                let document = try ManifestDocument(body: body, contentType: contentType)
                fuzz.accept()
                let isIndex = document.mediaType == .ociIndex || document.mediaType == .dockerManifestList
                fuzz.check(isIndex == (document.config == nil), "\(document.mediaType) parsed with config \(String(describing: document.config))")
                let digests = document.references.map(\.digest) + (document.subject.map { [$0] } ?? []) + (document.config.map { [$0.digest] } ?? [])
                fuzz.check(digests.allSatisfy { ContentDigest($0.description) == $0 }, "a parsed manifest holds a digest that does not round-trip")
            } catch {
                fuzz.reject()
                fuzz.check((400..<500).contains(error.code.status), "\(error) is a \(error.code.status), not a client error")
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}
