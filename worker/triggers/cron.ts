/** Every minute: poll the JMA feed (and other periodic work). */
export async function handleCron(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {}
