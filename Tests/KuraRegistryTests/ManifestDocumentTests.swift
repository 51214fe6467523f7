import KuraCore
import KuraRegistry
import KuraStorage
import Testing

@Suite struct ManifestDocumentTests {
    static let a = "sha256:" + String(repeating: "a", count: 64)
    static let b = "sha256:" + String(repeating: "b", count: 64)
    static let c = "sha256:" + String(repeating: "c", count: 64)

    @Test func anImageManifestReferencesItsConfigAndLayers() throws {
        let body = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(Self.a)","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(Self.b)","size":3},{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":"\#(Self.c)","size":4}],"annotations":{"k":"v"}}"#
        let document = try ManifestDocument(body: Array(body.utf8), contentType: "application/vnd.oci.image.manifest.v1+json")
        #expect(document.mediaType == .ociManifest)
        #expect(document.references == [ManifestReference(digest: ContentDigest(Self.a)!, kind: .blob),
                                        ManifestReference(digest: ContentDigest(Self.b)!, kind: .blob)],
                "non-distributable layers are not required")
        #expect(document.artifactType == "application/vnd.oci.image.config.v1+json")
        #expect(document.annotations == #"{"k":"v"}"#)
        #expect(document.subject == nil)
    }

    @Test func anIndexReferencesItsManifestsAndKeepsArtifactTypeAndSubject() throws {
        let body = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"x/y","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(Self.a)","size":9}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(Self.b)","size":1}}"#
        let document = try ManifestDocument(body: Array(body.utf8), contentType: nil)
        #expect(document.mediaType == .ociIndex)
        #expect(document.references == [ManifestReference(digest: ContentDigest(Self.a)!, kind: .manifest)])
        #expect(document.artifactType == "x/y")
        #expect(document.subject == ContentDigest(Self.b))
    }

    @Test(arguments: [
        ("not json", "application/vnd.oci.image.manifest.v1+json", "MANIFEST_INVALID"),
        ("[1,2]", "application/vnd.oci.image.manifest.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":1,"config":{},"layers":[]}"#, "application/vnd.oci.image.manifest.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":2}"#, "application/vnd.oci.image.manifest.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":2,"manifests":[{"digest":"sha256:zz","size":1}]}"#, "application/vnd.oci.image.index.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":2,"manifests":[{"digest":"\#(a)"}]}"#, "application/vnd.oci.image.index.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":2}"#, "text/plain", "UNSUPPORTED"),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
         "application/vnd.oci.image.manifest.v1+json", "MANIFEST_INVALID"),
        (#"{"schemaVersion":2,"config":{"digest":"\#(a)","size":1},"layers":[]}"#, "", "MANIFEST_INVALID"),
    ])
    func malformedManifestsAreRefusedWithTheirCode(body: String, contentType: String, code: String) {
        let error = #expect(throws: RegistryError.self) {
            _ = try ManifestDocument(body: Array(body.utf8), contentType: contentType.isEmpty ? nil : contentType)
        }
        #expect(error?.code.name == code)
    }
}
