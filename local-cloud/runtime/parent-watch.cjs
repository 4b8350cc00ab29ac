// Preloaded (node --require) into each fargate task by the local cloud. The local cloud holds
// the write end of the task's stdin; when it goes away, even by SIGKILL, the pipe closes and the
// task gets the SIGTERM that ECS would send when it stops a task, so no server outlives the
// local cloud. The pipe is unreferenced: it never keeps the task alive by itself.
process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => undefined);
process.stdin.resume();
if (typeof process.stdin.unref === 'function') process.stdin.unref();
