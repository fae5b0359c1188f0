using UnityEngine;

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// Top-down movement on a gravity-free <see cref="Rigidbody2D"/>, shared by the player and
    /// enemies: call <see cref="Move"/> with a direction every frame and the body accelerates
    /// toward it. Directions can be snapped to eight, diagonals are normalized, and knockback
    /// briefly overrides steering.
    /// </summary>
    /// <remarks>
    /// Velocity is written in <c>FixedUpdate</c>, so walls and other bodies still block movement.
    /// Set the Rigidbody2D to Interpolate (done automatically when the component is added) so the
    /// sprite moves smoothly at any frame rate.
    /// </remarks>
    [RequireComponent(typeof(Rigidbody2D))]
    [DisallowMultipleComponent]
    public sealed class TopDownMover : MonoBehaviour
    {
        [Tooltip("Top speed in units per second.")]
        [SerializeField, Min(0f)] private float moveSpeed = 5f;
        [Tooltip("How fast the body reaches the requested velocity (units/s²).")]
        [SerializeField, Min(0f)] private float acceleration = 60f;
        [Tooltip("How fast the body stops when no direction is requested (units/s²).")]
        [SerializeField, Min(0f)] private float deceleration = 80f;
        [Tooltip("Snap directions to the nearest of eight (classic sprite-sheet movement).")]
        [SerializeField] private bool snapToEightDirections = true;

        private Rigidbody2D body;
        private Vector2 desiredDirection;
        private Vector2 knockbackVelocity;
        private float knockbackDuration;
        private float knockbackTimeLeft;

        /// <summary>Top speed in units per second; can be changed at runtime (slows, power-ups).</summary>
        public float MoveSpeed
        {
            get => moveSpeed;
            set => moveSpeed = Mathf.Max(0f, value);
        }

        /// <summary>Unit vector of the last direction moved or faced; starts facing down.</summary>
        public Vector2 Facing { get; private set; } = Vector2.down;

        /// <summary>The body's current velocity in units per second.</summary>
        public Vector2 Velocity => BodyVelocity;

        /// <summary>Whether the body is moving faster than a crawl.</summary>
        public bool IsMoving => BodyVelocity.sqrMagnitude > 0.01f;

        /// <summary>Whether a knockback is currently overriding movement.</summary>
        public bool IsKnockedBack => knockbackTimeLeft > 0f;

        // Rigidbody2D.velocity was renamed linearVelocity in Unity 6; this keeps one code path.
        private Vector2 BodyVelocity
        {
#if UNITY_6000_0_OR_NEWER
            get => body.linearVelocity;
            set => body.linearVelocity = value;
#else
            get => body.velocity;
            set => body.velocity = value;
#endif
        }

        private void Reset()
        {
            Rigidbody2D rb = GetComponent<Rigidbody2D>();
            rb.gravityScale = 0f;
            rb.freezeRotation = true;
            rb.interpolation = RigidbodyInterpolation2D.Interpolate;
            rb.collisionDetectionMode = CollisionDetectionMode2D.Continuous;
        }

        private void Awake()
        {
            body = GetComponent<Rigidbody2D>();
            // A top-down body must never fall or spin, whatever the Inspector says.
            body.gravityScale = 0f;
            body.freezeRotation = true;
        }

        private void OnDisable()
        {
            desiredDirection = Vector2.zero;
            knockbackTimeLeft = 0f;
            if (body != null)
            {
                BodyVelocity = Vector2.zero;
            }
        }

        /// <summary>
        /// Requests movement in <paramref name="direction"/>. Longer vectors are clamped to length
        /// 1 so diagonals are not faster; shorter ones move proportionally slower. Keeps applying
        /// until the next call, so call it every frame (or <see cref="Stop"/>).
        /// </summary>
        public void Move(Vector2 direction)
        {
            direction = Vector2.ClampMagnitude(direction, 1f);
            if (snapToEightDirections && direction.sqrMagnitude > 0.0001f)
            {
                direction = SnapToEight(direction) * direction.magnitude;
            }

            desiredDirection = direction;
            if (direction.sqrMagnitude > 0.0001f)
            {
                Facing = direction.normalized;
            }
        }

        /// <summary>Stops requesting movement; the body decelerates to rest.</summary>
        public void Stop()
        {
            desiredDirection = Vector2.zero;
        }

        /// <summary>Turns to face <paramref name="direction"/> without moving (e.g. before an attack).</summary>
        public void FaceTowards(Vector2 direction)
        {
            if (direction.sqrMagnitude > 0.0001f)
            {
                Facing = snapToEightDirections ? SnapToEight(direction) : direction.normalized;
            }
        }

        /// <summary>
        /// Pushes the body with <paramref name="velocity"/>, fading to zero over
        /// <paramref name="duration"/> seconds, during which requested movement is ignored.
        /// </summary>
        public void ApplyKnockback(Vector2 velocity, float duration)
        {
            if (duration <= 0f)
            {
                return;
            }

            knockbackVelocity = velocity;
            knockbackDuration = duration;
            knockbackTimeLeft = duration;
        }

        private void FixedUpdate()
        {
            float deltaTime = Time.fixedDeltaTime;
            if (knockbackTimeLeft > 0f)
            {
                knockbackTimeLeft -= deltaTime;
                float strength = Mathf.Clamp01(knockbackTimeLeft / knockbackDuration);
                BodyVelocity = knockbackVelocity * strength;
                return;
            }

            Vector2 target = desiredDirection * moveSpeed;
            float rate = desiredDirection.sqrMagnitude > 0.0001f ? acceleration : deceleration;
            BodyVelocity = Vector2.MoveTowards(BodyVelocity, target, rate * deltaTime);
        }

        private static Vector2 SnapToEight(Vector2 direction)
        {
            float angle = Mathf.Atan2(direction.y, direction.x);
            float step = Mathf.PI / 4f;
            float snapped = Mathf.Round(angle / step) * step;
            return new Vector2(Mathf.Cos(snapped), Mathf.Sin(snapped));
        }
    }
}
