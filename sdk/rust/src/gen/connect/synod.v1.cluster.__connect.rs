///Shorthand for `OwnedView<GetStatusRequestView<'static>>`.
pub type OwnedGetStatusRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::GetStatusRequestView<'static>,
>;
///Shorthand for `OwnedView<GetStatusResponseView<'static>>`.
pub type OwnedGetStatusResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::GetStatusResponseView<'static>,
>;
///Shorthand for `OwnedView<AddReplicaRequestView<'static>>`.
pub type OwnedAddReplicaRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::AddReplicaRequestView<'static>,
>;
///Shorthand for `OwnedView<AddReplicaResponseView<'static>>`.
pub type OwnedAddReplicaResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::AddReplicaResponseView<'static>,
>;
///Shorthand for `OwnedView<RemoveReplicaRequestView<'static>>`.
pub type OwnedRemoveReplicaRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveReplicaRequestView<'static>,
>;
///Shorthand for `OwnedView<RemoveReplicaResponseView<'static>>`.
pub type OwnedRemoveReplicaResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveReplicaResponseView<'static>,
>;
///Shorthand for `OwnedView<MoveReplicaRequestView<'static>>`.
pub type OwnedMoveReplicaRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::MoveReplicaRequestView<'static>,
>;
///Shorthand for `OwnedView<MoveReplicaResponseView<'static>>`.
pub type OwnedMoveReplicaResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::MoveReplicaResponseView<'static>,
>;
///Shorthand for `OwnedView<TransferLeaderRequestView<'static>>`.
pub type OwnedTransferLeaderRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::TransferLeaderRequestView<'static>,
>;
///Shorthand for `OwnedView<TransferLeaderResponseView<'static>>`.
pub type OwnedTransferLeaderResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::TransferLeaderResponseView<'static>,
>;
///Shorthand for `OwnedView<DrainHostRequestView<'static>>`.
pub type OwnedDrainHostRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::DrainHostRequestView<'static>,
>;
///Shorthand for `OwnedView<DrainHostResponseView<'static>>`.
pub type OwnedDrainHostResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::DrainHostResponseView<'static>,
>;
///Shorthand for `OwnedView<RemoveHostRequestView<'static>>`.
pub type OwnedRemoveHostRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveHostRequestView<'static>,
>;
///Shorthand for `OwnedView<RemoveHostResponseView<'static>>`.
pub type OwnedRemoveHostResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveHostResponseView<'static>,
>;
impl ::connectrpc::Encodable<crate::proto::synod::v1::GetStatusResponse>
for crate::proto::synod::v1::__buffa::view::GetStatusResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::GetStatusResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::GetStatusResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::AddReplicaResponse>
for crate::proto::synod::v1::__buffa::view::AddReplicaResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::AddReplicaResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::AddReplicaResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RemoveReplicaResponse>
for crate::proto::synod::v1::__buffa::view::RemoveReplicaResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RemoveReplicaResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveReplicaResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::MoveReplicaResponse>
for crate::proto::synod::v1::__buffa::view::MoveReplicaResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::MoveReplicaResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::MoveReplicaResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::TransferLeaderResponse>
for crate::proto::synod::v1::__buffa::view::TransferLeaderResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::TransferLeaderResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::TransferLeaderResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::DrainHostResponse>
for crate::proto::synod::v1::__buffa::view::DrainHostResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::DrainHostResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::DrainHostResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RemoveHostResponse>
for crate::proto::synod::v1::__buffa::view::RemoveHostResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RemoveHostResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RemoveHostResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
/// Full service name for this service.
pub const CLUSTER_SERVICE_SERVICE_NAME: &str = "synod.v1.ClusterService";
/// Static [`Spec`](::connectrpc::Spec) for the `GetStatus` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_GET_STATUS_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/GetStatus",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::NoSideEffects);
/// Static [`Spec`](::connectrpc::Spec) for the `AddReplica` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_ADD_REPLICA_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/AddReplica",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `RemoveReplica` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_REMOVE_REPLICA_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/RemoveReplica",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `MoveReplica` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_MOVE_REPLICA_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/MoveReplica",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `TransferLeader` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_TRANSFER_LEADER_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/TransferLeader",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `DrainHost` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_DRAIN_HOST_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/DrainHost",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `RemoveHost` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const CLUSTER_SERVICE_REMOVE_HOST_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.ClusterService/RemoveHost",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// ClusterService reports on the cluster as a whole and changes where
/// replicas run. The changes are recorded in the catalogue at once and
/// carried out in the background by the shards' leaders: a new replica
/// first catches up as a non-voting member, then becomes a voter, and only
/// then does the replica it replaces leave. GetStatus shows the progress.
///
/// Every ClusterService call needs a cluster admin key (see KeyService).
///
/// # Implementing handlers
///
/// Implement methods with plain `async fn`; the returned future satisfies
/// the `Send` bound automatically.
///
/// **Unary and server-streaming requests** arrive as
/// [`ServiceRequest<'_, Req>`](::connectrpc::ServiceRequest): a zero-copy
/// view of the request plus its body, valid for the duration of the call.
/// Fields are read directly (`request.name` is a `&str` into the decoded
/// buffer) and the borrow may be held across `.await` points. Anything
/// that must outlive the call — `tokio::spawn`, channels, server state,
/// or data captured by a returned response stream — takes owned data:
/// call `request.to_owned_message()` (or copy the specific fields)
/// first.
///
/// **Client-streaming and bidi requests** arrive as
/// [`InboundStream<Req>`](::connectrpc::InboundStream) — a
/// `ServiceStream` of [`StreamMessage`](::connectrpc::StreamMessage)s.
/// Each item owns its decoded buffer and is `Send + 'static`, so items
/// can be buffered or moved into spawned tasks; read fields zero-copy
/// through the generated accessor methods (`item.name()`) or `.view()`,
/// convert with `.to_owned_message()`, or yield an item back unchanged —
/// `StreamMessage<M>` implements `Encodable<M>`.
///
/// Request types resolved through `extern_path` (e.g. well-known types
/// from another crate) use the same wrappers; the crate that owns the
/// type must be generated with buffa ≥ 0.9.0 and views enabled so the
/// backing `HasMessageView` impl exists.
///
/// The `impl Encodable<Out>` return bound accepts the owned `Out`, the
/// generated `OutView<'_>` / `OwnedOutView`,
/// [`MaybeBorrowed`](::connectrpc::MaybeBorrowed), or
/// [`PreEncoded`](::connectrpc::PreEncoded) for handlers that encode a
/// non-`'static` view internally and pass the bytes across the handler
/// boundary. View bodies are not emitted for output types mapped via
/// `extern_path` (the impl would be an orphan); return owned for
/// WKT/extern outputs.
///
/// Server-streaming and bidi-streaming methods return
/// `ServiceStream<impl Encodable<Out> + Send + use<Self>>`. The
/// `use<Self>` precise-capturing clause excludes `&self`'s lifetime and
/// the request's lifetime (unary methods use `use<'a, Self>` and may
/// borrow from `&self`), so stream items must be `'static` and cannot
/// borrow from the request. To stream view-encoded data, encode each
/// item inside the stream body and yield
/// [`PreEncoded`](::connectrpc::PreEncoded) — see its `# Streaming
/// example` doc.
#[allow(clippy::type_complexity)]
pub trait ClusterService: Send + Sync + 'static {
    /// GetStatus describes every host (alive, state, replicas, leaders) and
    /// every shard (leader, and each replica's applied index and lag), as the
    /// gateway sees them now.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn get_status<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::GetStatusRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::GetStatusResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// AddReplica adds a replica of a shard on a live host that has none.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn add_replica<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::AddReplicaRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::AddReplicaResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// RemoveReplica removes a shard's replica from a host; the last replica
    /// of a shard cannot be removed.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn remove_replica<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::RemoveReplicaRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::RemoveReplicaResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// MoveReplica moves a shard's replica from one host to another.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn move_replica<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::MoveReplicaRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::MoveReplicaResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// TransferLeader makes a shard's replica on a host its preferred leader;
    /// leadership moves there as soon as that replica is caught up.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn transfer_leader<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::TransferLeaderRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::TransferLeaderResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// DrainHost stops placing replicas on a host and moves every replica it
    /// has to other live hosts. It fails, changing nothing, if some replica
    /// has nowhere to go. It returns once the moves are recorded; GetStatus
    /// shows the replicas still leaving the host (HostStatus.leaving), and
    /// when the drain is complete (HostStatus.drained).
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn drain_host<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::DrainHostRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::DrainHostResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// RemoveHost removes a host from the cluster for good. A live host must
    /// be drained first; a dead host's replicas move to live hosts (a shard
    /// runs short of replicas while no live host can take one, and gets it
    /// back when a host joins). The host's name may then be used again.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn remove_host<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::RemoveHostRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::RemoveHostResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
}
/// Extension trait for registering a service implementation with a Router.
///
/// This trait is automatically implemented for all types that implement the service trait.
/// Prefer [`Router::add_service`](::connectrpc::Router::add_service) for
/// top-down registration; `register` remains available for compatibility
/// and cases where the service-first call shape is more convenient.
///
/// # Example
///
/// ```rust,ignore
/// use std::sync::Arc;
///
/// let service = Arc::new(MyServiceImpl);
/// let router = service.register(Router::new());
/// ```
pub trait ClusterServiceExt: ClusterService {
    /// Register this service implementation with a Router.
    ///
    /// Takes ownership of the `Arc<Self>` and returns a new Router with
    /// this service's methods registered.
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router;
}
impl<S: ClusterService> ClusterServiceExt for S {
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router {
        router
            .route_view_idempotent(
                CLUSTER_SERVICE_SERVICE_NAME,
                "GetStatus",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::GetStatusRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::GetStatusRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.get_status(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::GetStatusResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_GET_STATUS_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "AddReplica",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::AddReplicaRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::AddReplicaRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.add_replica(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::AddReplicaResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_ADD_REPLICA_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "RemoveReplica",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::RemoveReplicaRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::RemoveReplicaRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.remove_replica(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::RemoveReplicaResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_REMOVE_REPLICA_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "MoveReplica",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::MoveReplicaRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::MoveReplicaRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.move_replica(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::MoveReplicaResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_MOVE_REPLICA_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "TransferLeader",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::TransferLeaderRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::TransferLeaderRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.transfer_leader(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::TransferLeaderResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_TRANSFER_LEADER_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "DrainHost",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::DrainHostRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::DrainHostRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.drain_host(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::DrainHostResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_DRAIN_HOST_SPEC)
            .route_view(
                CLUSTER_SERVICE_SERVICE_NAME,
                "RemoveHost",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::RemoveHostRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::RemoveHostRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.remove_host(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::RemoveHostResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(CLUSTER_SERVICE_REMOVE_HOST_SPEC)
    }
}
/// Type-inference marker used by [`Router::add_service`](::connectrpc::Router::add_service).
#[doc(hidden)]
pub struct ClusterServiceRegisterMarker;
impl<S: ClusterService> ::connectrpc::ServiceRegister<ClusterServiceRegisterMarker>
for ::std::sync::Arc<S> {
    fn register_service(self, router: ::connectrpc::Router) -> ::connectrpc::Router {
        <S as ClusterServiceExt>::register(self, router)
    }
}
/// Monomorphic dispatcher for `ClusterService`.
///
/// Unlike `.register(Router)` which type-erases each method into an `Arc<dyn ErasedHandler>` stored in a `HashMap`, this struct dispatches via a compile-time `match` on method name: no vtable, no hash lookup.
///
/// # Example
///
/// ```rust,ignore
/// use connectrpc::ConnectRpcService;
///
/// let server = ClusterServiceServer::new(MyImpl);
/// let service = ConnectRpcService::new(server);
/// // hand `service` to axum/hyper as a fallback_service
/// ```
pub struct ClusterServiceServer<T> {
    inner: ::std::sync::Arc<T>,
}
impl<T: ClusterService> ClusterServiceServer<T> {
    /// Wrap a service implementation in a monomorphic dispatcher.
    pub fn new(service: T) -> Self {
        Self {
            inner: ::std::sync::Arc::new(service),
        }
    }
    /// Wrap an already-`Arc`'d service implementation.
    pub fn from_arc(inner: ::std::sync::Arc<T>) -> Self {
        Self { inner }
    }
}
impl<T> Clone for ClusterServiceServer<T> {
    fn clone(&self) -> Self {
        Self {
            inner: ::std::sync::Arc::clone(&self.inner),
        }
    }
}
impl<T: ClusterService> ::connectrpc::Dispatcher for ClusterServiceServer<T> {
    #[inline]
    fn lookup(
        &self,
        path: &str,
    ) -> Option<::connectrpc::dispatcher::codegen::MethodDescriptor> {
        let method = path.strip_prefix("synod.v1.ClusterService/")?;
        match method {
            "GetStatus" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(true)
                        .with_spec(CLUSTER_SERVICE_GET_STATUS_SPEC),
                )
            }
            "AddReplica" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_ADD_REPLICA_SPEC),
                )
            }
            "RemoveReplica" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_REMOVE_REPLICA_SPEC),
                )
            }
            "MoveReplica" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_MOVE_REPLICA_SPEC),
                )
            }
            "TransferLeader" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_TRANSFER_LEADER_SPEC),
                )
            }
            "DrainHost" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_DRAIN_HOST_SPEC),
                )
            }
            "RemoveHost" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(CLUSTER_SERVICE_REMOVE_HOST_SPEC),
                )
            }
            _ => None,
        }
    }
    fn call_unary(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::Payload,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::UnaryResult {
        let Some(method) = path.strip_prefix("synod.v1.ClusterService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_unary(path);
        };
        let _ = (&ctx, &request, &format);
        match method {
            "GetStatus" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::GetStatusRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::GetStatusRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::GetStatusRequest,
                    >::from_parts(&req, &body);
                    svc.get_status(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::GetStatusResponse>(format)
                })
            }
            "AddReplica" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::AddReplicaRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::AddReplicaRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::AddReplicaRequest,
                    >::from_parts(&req, &body);
                    svc.add_replica(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::AddReplicaResponse>(format)
                })
            }
            "RemoveReplica" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::RemoveReplicaRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::RemoveReplicaRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::RemoveReplicaRequest,
                    >::from_parts(&req, &body);
                    svc.remove_replica(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::RemoveReplicaResponse>(format)
                })
            }
            "MoveReplica" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::MoveReplicaRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::MoveReplicaRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::MoveReplicaRequest,
                    >::from_parts(&req, &body);
                    svc.move_replica(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::MoveReplicaResponse>(format)
                })
            }
            "TransferLeader" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::TransferLeaderRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::TransferLeaderRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::TransferLeaderRequest,
                    >::from_parts(&req, &body);
                    svc.transfer_leader(ctx, req)
                        .await?
                        .encode::<
                            crate::proto::synod::v1::TransferLeaderResponse,
                        >(format)
                })
            }
            "DrainHost" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::DrainHostRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::DrainHostRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::DrainHostRequest,
                    >::from_parts(&req, &body);
                    svc.drain_host(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::DrainHostResponse>(format)
                })
            }
            "RemoveHost" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::RemoveHostRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::RemoveHostRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::RemoveHostRequest,
                    >::from_parts(&req, &body);
                    svc.remove_host(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::RemoveHostResponse>(format)
                })
            }
            _ => ::connectrpc::dispatcher::codegen::unimplemented_unary(path),
        }
    }
    fn call_server_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        request: ::buffa::bytes::Bytes,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::StreamingResult {
        let Some(method) = path.strip_prefix("synod.v1.ClusterService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_streaming(path);
        };
        let _ = (&ctx, &request, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_streaming(path),
        }
    }
    fn call_client_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        requests: ::connectrpc::dispatcher::codegen::RequestStream,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::UnaryResult {
        let Some(method) = path.strip_prefix("synod.v1.ClusterService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_unary(path);
        };
        let _ = (&ctx, &requests, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_unary(path),
        }
    }
    fn call_bidi_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        requests: ::connectrpc::dispatcher::codegen::RequestStream,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::StreamingResult {
        let Some(method) = path.strip_prefix("synod.v1.ClusterService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_streaming(path);
        };
        let _ = (&ctx, &requests, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_streaming(path),
        }
    }
}
/// Client for this service.
///
/// Generic over `T: ClientTransport`. For **gRPC** (HTTP/2), use
/// `Http2Connection` — it has honest `poll_ready` and composes with
/// `tower::balance` for multi-connection load balancing. For **Connect
/// over HTTP/1.1** (or unknown protocol), use `HttpClient`.
///
/// # Example (gRPC / HTTP/2)
///
/// ```rust,ignore
/// use connectrpc::client::{Http2Connection, ClientConfig};
/// use connectrpc::Protocol;
///
/// let uri: http::Uri = "http://localhost:8080".parse()?;
/// let conn = Http2Connection::connect_plaintext(uri.clone()).await?.shared(1024);
/// let config = ClientConfig::new(uri).with_protocol(Protocol::Grpc);
///
/// let client = ClusterServiceClient::new(conn, config);
/// let response = client.get_status(request).await?;
/// ```
///
/// # Example (Connect / HTTP/1.1 or ALPN)
///
/// ```rust,ignore
/// use connectrpc::client::{HttpClient, ClientConfig};
///
/// let http = HttpClient::plaintext();  // cleartext http:// only
/// let config = ClientConfig::new("http://localhost:8080".parse()?);
///
/// let client = ClusterServiceClient::new(http, config);
/// let response = client.get_status(request).await?;
/// ```
///
/// # Working with the response
///
/// Unary calls return [`UnaryResponse<OwnedView<FooView>>`](::connectrpc::client::UnaryResponse).
/// [`view()`](::connectrpc::client::UnaryResponse::view) borrows the response
/// message, so field access is zero-copy:
///
/// ```rust,ignore
/// let resp = client.get_status(request).await?;
/// let name: &str = resp.view().name;  // borrow into the response buffer
/// ```
///
/// If you need the owned struct (e.g. to store or pass by value), use
/// [`into_owned()`](::connectrpc::client::UnaryResponse::into_owned):
///
/// ```rust,ignore
/// let owned = client.get_status(request).await?.into_owned();
/// ```
///
/// [`into_view()`](::connectrpc::client::UnaryResponse::into_view) keeps the
/// zero-copy decoded body (an `OwnedView`) without copying; field access on it
/// goes through `.reborrow()`. Streaming responses yield one
/// [`StreamMessage`](::connectrpc::StreamMessage) per received message from
/// `.message().await` — read fields zero-copy through the generated accessor
/// methods (`msg.name()`) or `.view()`, or convert with `.to_owned_message()`.
#[derive(Clone)]
pub struct ClusterServiceClient<T> {
    transport: T,
    config: ::connectrpc::client::ClientConfig,
}
impl<T> ClusterServiceClient<T>
where
    T: ::connectrpc::client::ClientTransport,
    <T::ResponseBody as ::connectrpc::http_body::Body>::Error: ::std::fmt::Display,
{
    /// Create a new client with the given transport and configuration.
    pub fn new(transport: T, config: ::connectrpc::client::ClientConfig) -> Self {
        Self { transport, config }
    }
    /// Get the client configuration.
    pub fn config(&self) -> &::connectrpc::client::ClientConfig {
        &self.config
    }
    /// Get a mutable reference to the client configuration.
    pub fn config_mut(&mut self) -> &mut ::connectrpc::client::ClientConfig {
        &mut self.config
    }
    /// Call the GetStatus RPC. Sends a request to /synod.v1.ClusterService/GetStatus.
    pub async fn get_status(
        &self,
        request: crate::proto::synod::v1::GetStatusRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::GetStatusResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.get_status_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the GetStatus RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn get_status_with_options(
        &self,
        request: crate::proto::synod::v1::GetStatusRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::GetStatusResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_GET_STATUS_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the AddReplica RPC. Sends a request to /synod.v1.ClusterService/AddReplica.
    pub async fn add_replica(
        &self,
        request: crate::proto::synod::v1::AddReplicaRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::AddReplicaResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.add_replica_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the AddReplica RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn add_replica_with_options(
        &self,
        request: crate::proto::synod::v1::AddReplicaRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::AddReplicaResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_ADD_REPLICA_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the RemoveReplica RPC. Sends a request to /synod.v1.ClusterService/RemoveReplica.
    pub async fn remove_replica(
        &self,
        request: crate::proto::synod::v1::RemoveReplicaRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RemoveReplicaResponseView<
                    'static,
                >,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.remove_replica_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the RemoveReplica RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn remove_replica_with_options(
        &self,
        request: crate::proto::synod::v1::RemoveReplicaRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RemoveReplicaResponseView<
                    'static,
                >,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_REMOVE_REPLICA_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the MoveReplica RPC. Sends a request to /synod.v1.ClusterService/MoveReplica.
    pub async fn move_replica(
        &self,
        request: crate::proto::synod::v1::MoveReplicaRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::MoveReplicaResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.move_replica_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the MoveReplica RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn move_replica_with_options(
        &self,
        request: crate::proto::synod::v1::MoveReplicaRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::MoveReplicaResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_MOVE_REPLICA_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the TransferLeader RPC. Sends a request to /synod.v1.ClusterService/TransferLeader.
    pub async fn transfer_leader(
        &self,
        request: crate::proto::synod::v1::TransferLeaderRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::TransferLeaderResponseView<
                    'static,
                >,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.transfer_leader_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the TransferLeader RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn transfer_leader_with_options(
        &self,
        request: crate::proto::synod::v1::TransferLeaderRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::TransferLeaderResponseView<
                    'static,
                >,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_TRANSFER_LEADER_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the DrainHost RPC. Sends a request to /synod.v1.ClusterService/DrainHost.
    pub async fn drain_host(
        &self,
        request: crate::proto::synod::v1::DrainHostRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::DrainHostResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.drain_host_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the DrainHost RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn drain_host_with_options(
        &self,
        request: crate::proto::synod::v1::DrainHostRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::DrainHostResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_DRAIN_HOST_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the RemoveHost RPC. Sends a request to /synod.v1.ClusterService/RemoveHost.
    pub async fn remove_host(
        &self,
        request: crate::proto::synod::v1::RemoveHostRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RemoveHostResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.remove_host_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the RemoveHost RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn remove_host_with_options(
        &self,
        request: crate::proto::synod::v1::RemoveHostRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RemoveHostResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                CLUSTER_SERVICE_REMOVE_HOST_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
}
