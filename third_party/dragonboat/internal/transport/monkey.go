// Copyright 2017-2019 Lei Ni (nilei81@gmail.com) and other contributors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//go:build dragonboat_monkeytest
// +build dragonboat_monkeytest

package transport

// ApplyMonkeySettings applies monkey settings
func ApplyMonkeySettings() {
	perConnBufSize = 1024 * 64
	sendQueueLen = 64
	snapshotChunkSize = 1024
	payloadBufferSize = 1024 * 8
}
