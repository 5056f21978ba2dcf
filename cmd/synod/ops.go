package main

import (
	"context"
	"fmt"
	"io"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The operations commands: where replicas run, and hosts leaving.

func shardAddReplica(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.AddReplica(ctx, connect.NewRequest(&synodv1.AddReplicaRequest{Shard: pos[0], Host: pos[1]}))
	if err != nil {
		return output{}, err
	}
	return shardOutput(res.Msg, res.Msg.GetShard()), nil
}

func shardRemoveReplica(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.RemoveReplica(ctx, connect.NewRequest(&synodv1.RemoveReplicaRequest{Shard: pos[0], Host: pos[1]}))
	if err != nil {
		return output{}, err
	}
	return shardOutput(res.Msg, res.Msg.GetShard()), nil
}

func shardMoveReplica(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.MoveReplica(ctx, connect.NewRequest(&synodv1.MoveReplicaRequest{Shard: pos[0], FromHost: pos[1], ToHost: pos[2]}))
	if err != nil {
		return output{}, err
	}
	return shardOutput(res.Msg, res.Msg.GetShard()), nil
}

func shardTransferLeader(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.TransferLeader(ctx, connect.NewRequest(&synodv1.TransferLeaderRequest{Shard: pos[0], Host: pos[1]}))
	if err != nil {
		return output{}, err
	}
	return shardOutput(res.Msg, res.Msg.GetShard()), nil
}

// shardOutput prints a shard as the catalogue now places it.
func shardOutput(msg proto.Message, s *synodv1.Shard) output {
	return output{msg, func(w io.Writer) error { return printShards(w, []*synodv1.Shard{s}) }}
}

func hostDrain(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.DrainHost(ctx, connect.NewRequest(&synodv1.DrainHostRequest{Host: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "draining host %s: its replicas are moving away (see synod status)\n", pos[0])
		return err
	}}, nil
}

func hostRemove(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.cluster.RemoveHost(ctx, connect.NewRequest(&synodv1.RemoveHostRequest{Host: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "removed host %s\n", pos[0])
		return err
	}}, nil
}

func shardCheck(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.shards.CheckShard(ctx, connect.NewRequest(&synodv1.CheckShardRequest{Name: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error {
		state := "consistent"
		if !res.Msg.GetConsistent() {
			state = "NOT consistent"
		}
		fmt.Fprintf(w, "shard %s at index %d: %s\n", pos[0], res.Msg.GetIndex(), state)
		for _, r := range res.Msg.GetReplicas() {
			fmt.Fprintf(w, "  replica %d on host %d: %s", r.GetReplicaId(), r.GetHostId(), r.GetVerdict())
			if r.GetDivergedIndex() != 0 {
				fmt.Fprintf(w, " (since index %d)", r.GetDivergedIndex())
			}
			fmt.Fprintln(w)
		}
		return nil
	}}, nil
}
