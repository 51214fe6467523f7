// kura — a self-hosted encrypted container registry.
// ManifestDocument: parsing and validating the manifest kinds kura accepts.

import Foundation
import KuraAPI
public import KuraCore

/// A manifest body, parsed and checked against its media type (OCI image manifest and index,
/// Docker schema 2 manifest and manifest list).
public struct ManifestDocument: Sendable {
    /// The media types kura stores as manifests.
    public enum MediaType: String, Sendable, CaseIterable {
        case ociManifest = "application/vnd.oci.image.manifest.v1+json"
        case ociIndex = "application/vnd.oci.image.index.v1+json"
        case dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
        case dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"

        var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }
    }

    /// Largest manifest accepted, in bytes (4 MiB, as distribution and ACR).
    public static let maximumSize = 4 << 20

    public let mediaType: MediaType
    /// Blobs (config, layers) and child manifests the registry must hold before this commits.
    public let references: [ManifestReference]
    /// `subject` for the referrers API.
    public let subject: ContentDigest?
    /// `artifactType`, else the config media type of an image manifest.
    public let artifactType: String?
    /// The `annotations` object re-encoded as JSON, if present.
    public let annotations: String?
    /// An image manifest's `config` descriptor (digest, media type, size); nil for an index.
    public let config: (digest: ContentDigest, mediaType: String?, size: Int64?)?

    /// Media types of layers that are not stored in the registry (foreign / non-distributable).
    static let externalLayerTypes: Set<String> = [
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ]

    /// Parses `body` sent with `contentType` (nil when the request had none).
    /// - Throws: ``RegistryError`` `MANIFEST_INVALID` for malformed JSON or structure,
    ///   `UNSUPPORTED` (415) for a media type kura does not store.
    public init(body: [UInt8], contentType: String?) throws(RegistryError) {
        let object: JSONValue
        do {
            object = try JSONValue(parsing: body, maximumDepth: JSONValue.requestDepth)
        } catch {
            throw RegistryError(.manifestInvalid, "the manifest is not valid JSON (\(error))")
        }
        guard object.objectValue != nil else { throw RegistryError(.manifestInvalid, "the manifest is not a JSON object") }
        let declared = object["mediaType"]?.stringValue
        let headerType = contentType.map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
        let effective = headerType.flatMap { $0.isEmpty || $0 == "application/octet-stream" ? nil : $0 } ?? declared
        guard let typeName = effective else {
            throw RegistryError(.manifestInvalid, "the manifest has no media type (Content-Type or mediaType)")
        }
        guard let mediaType = MediaType(rawValue: typeName) else {
            throw RegistryError(.unsupported, "manifest media type '\(typeName)' is not supported")
        }
        if let declared, declared != typeName {
            throw RegistryError(.manifestInvalid, "Content-Type \(typeName) does not match the manifest's mediaType \(declared)")
        }
        guard object["schemaVersion"]?.integerValue == 2 else { throw RegistryError(.manifestInvalid, "schemaVersion must be 2") }

        var references: [ManifestReference] = []
        var artifactType = object["artifactType"]?.stringValue
        var configDescriptor: (digest: ContentDigest, mediaType: String?, size: Int64?)? = nil
        if mediaType.isIndex {
            guard let manifests = object["manifests"]?.arrayValue else {
                throw RegistryError(.manifestInvalid, "an index needs a 'manifests' array")
            }
            for entry in manifests {
                references.append(ManifestReference(digest: try Self.descriptorDigest(entry, field: "manifests"), kind: .manifest))
            }
        } else {
            guard let config = object["config"] else { throw RegistryError(.manifestInvalid, "an image manifest needs 'config'") }
            let configDigest = try Self.descriptorDigest(config, field: "config")
            references.append(ManifestReference(digest: configDigest, kind: .blob))
            configDescriptor = (configDigest, config["mediaType"]?.stringValue, config["size"]?.integerValue)
            if artifactType == nil, let configType = config["mediaType"]?.stringValue {
                artifactType = configType
            }
            guard let layers = object["layers"]?.arrayValue else {
                throw RegistryError(.manifestInvalid, "an image manifest needs a 'layers' array")
            }
            for layer in layers {
                let digest = try Self.descriptorDigest(layer, field: "layers")
                let layerType = layer["mediaType"]?.stringValue ?? ""
                if !Self.externalLayerTypes.contains(layerType) { references.append(ManifestReference(digest: digest, kind: .blob)) }
            }
        }
        self.mediaType = mediaType
        self.references = references
        self.config = configDescriptor
        if let subject = object["subject"] {
            self.subject = try Self.descriptorDigest(subject, field: "subject")
        } else {
            self.subject = nil
        }
        self.artifactType = artifactType
        // Kept as JSON text with sorted keys (served again in the referrers index).
        self.annotations = object["annotations"]?.objectValue.map { JSONValue.object(JSONObject($0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })).text }
    }

    private static func descriptorDigest(_ descriptor: JSONValue, field: String) throws(RegistryError) -> ContentDigest {
        guard let text = descriptor["digest"]?.stringValue, Self.isNumber(descriptor["size"]) else {
            throw RegistryError(.manifestInvalid, "'\(field)' holds a descriptor without digest and size")
        }
        guard let digest = ContentDigest(text) else {
            throw RegistryError(.manifestInvalid, "'\(field)' holds a malformed digest '\(text)'")
        }
        return digest
    }

    static func isNumber(_ value: JSONValue?) -> Bool {
        switch value {
        case .integer?, .double?: true
        default: false
        }
    }
}
