// kura — a self-hosted encrypted container registry.
// RepositoryName and ManifestReference-in-a-path: the names the OCI spec allows.

public import KuraCore

/// A repository name as OCI Distribution defines it:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255 characters.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    public init?(_ value: String) {
        guard !value.isEmpty, value.utf8.count <= 255 else { return nil }
        for component in value.split(separator: "/", omittingEmptySubsequences: false) {
            guard Self.isValidComponent(component) else { return nil }
        }
        self.value = value
    }

    public var description: String { value }
    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    private static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, first.isLowerAlphanumeric, last.isLowerAlphanumeric else { return false }
        var index = 0
        while index < bytes.count {
            if bytes[index].isLowerAlphanumeric {
                index += 1
                continue
            }
            // A separator run: ".", "_", "__" or one or more "-".
            var end = index
            while end < bytes.count && !bytes[end].isLowerAlphanumeric { end += 1 }
            let separator = bytes[index..<end]
            let valid = separator.elementsEqual([0x2e]) || separator.elementsEqual([0x5f]) || separator.elementsEqual([0x5f, 0x5f])
                || separator.allSatisfy { $0 == 0x2d }
            guard valid else { return false }
            index = end
        }
        return true
    }
}

/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= 128, first.isAlphanumeric || first == 0x5f,
              bytes.allSatisfy({ $0.isAlphanumeric || $0 == 0x5f || $0 == 0x2e || $0 == 0x2d })
        else { return nil }
        self.value = value
    }

    public var description: String { value }
}

/// The `<reference>` of a manifest path: a tag or a digest.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(ContentDigest)

    /// Parses a path segment; a string containing `:` must be a valid digest.
    public init?(_ value: String) {
        if value.contains(":") {
            guard let digest = ContentDigest(value) else { return nil }
            self = .digest(digest)
        } else {
            guard let tag = Tag(value) else { return nil }
            self = .tag(tag)
        }
    }

    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}

extension UInt8 {
    fileprivate var isLowerAlphanumeric: Bool { (self >= 0x61 && self <= 0x7a) || (self >= 0x30 && self <= 0x39) }
    fileprivate var isAlphanumeric: Bool { isLowerAlphanumeric || (self >= 0x41 && self <= 0x5a) }
}
