using System;
using System.Collections.Generic;
using UnityEngine;

namespace Spark.Presets.Platformer2D
{
    /// <summary>
    /// Side-view platformer movement on a dynamic <see cref="Rigidbody2D"/>: accelerated running,
    /// a jump defined by its height, coyote time, jump buffering, variable jump height (release
    /// early for a short hop), heavier gravity while falling, a capped fall speed, and dropping
    /// through <see cref="OneWayPlatform2D"/> with Down + Jump.
    /// </summary>
    /// <remarks>
    /// Input is sampled in <c>Update</c> and applied in <c>FixedUpdate</c>; jump presses are stored
    /// as timestamps so a press between two physics steps is never lost. Put the ground and
    /// platform colliders on the layers selected in Ground Layers, and keep the player's own layer
    /// out of that mask. Tune the feel with the Rigidbody2D's Gravity Scale and the fields below.
    /// </remarks>
    [RequireComponent(typeof(Rigidbody2D))]
    [DisallowMultipleComponent]
    public sealed class PlayerController2D : MonoBehaviour
    {
        [Header("Run")]
        [Tooltip("Top horizontal speed in units per second.")]
        [SerializeField, Min(0f)] private float maxRunSpeed = 8f;
        [Tooltip("How fast the player reaches top speed on the ground (units/s²).")]
        [SerializeField, Min(0f)] private float groundAcceleration = 80f;
        [Tooltip("How fast the player stops on the ground when there is no input (units/s²).")]
        [SerializeField, Min(0f)] private float groundDeceleration = 90f;
        [Tooltip("Acceleration while airborne; lower than on the ground for weightier air control.")]
        [SerializeField, Min(0f)] private float airAcceleration = 50f;
        [Tooltip("Deceleration while airborne with no input.")]
        [SerializeField, Min(0f)] private float airDeceleration = 30f;

        [Header("Jump")]
        [Tooltip("Apex height of a full jump, in world units.")]
        [SerializeField, Min(0f)] private float jumpHeight = 3.5f;
        [Tooltip("Seconds after leaving a ledge during which a jump is still allowed.")]
        [SerializeField, Min(0f)] private float coyoteTime = 0.1f;
        [Tooltip("Seconds a jump press is remembered before landing.")]
        [SerializeField, Min(0f)] private float jumpBufferTime = 0.12f;
        [Tooltip("Upward speed is multiplied by this when the jump button is released early.")]
        [SerializeField, Range(0f, 1f)] private float jumpCutMultiplier = 0.5f;

        [Header("Gravity")]
        [Tooltip("Gravity multiplier while falling; above 1 gives a snappier, less floaty arc.")]
        [SerializeField, Min(1f)] private float fallGravityMultiplier = 1.8f;
        [Tooltip("Terminal fall speed in units per second.")]
        [SerializeField, Min(0f)] private float maxFallSpeed = 18f;

        [Header("Ground Check")]
        [Tooltip("Layers that count as ground (include one-way platforms, exclude the player).")]
        [SerializeField] private LayerMask groundLayers = 1;
        [Tooltip("Center of the ground-check box, relative to this transform.")]
        [SerializeField] private Vector2 groundCheckOffset = new Vector2(0f, -0.5f);
        [Tooltip("Size of the ground-check box; slightly narrower than the collider avoids wall hits.")]
        [SerializeField] private Vector2 groundCheckSize = new Vector2(0.8f, 0.1f);

        [Header("One-Way Platforms")]
        [Tooltip("Seconds collisions with a one-way platform stay off after dropping through it.")]
        [SerializeField, Min(0.05f)] private float dropThroughDuration = 0.3f;

        [Header("Presentation")]
        [Tooltip("Optional sprite flipped to face the movement direction.")]
        [SerializeField] private SpriteRenderer spriteRenderer;
        [Tooltip("Give the body a zero-friction material so it never sticks to walls.")]
        [SerializeField] private bool useFrictionlessMaterial = true;

        private readonly List<Collider2D> groundHits = new List<Collider2D>(4);
        private Collider2D[] ownColliders = Array.Empty<Collider2D>();
        private Rigidbody2D body;
        private ContactFilter2D groundFilter;
        private float baseGravityScale;

        private float moveInput;
        private bool downHeld;
        private bool jumpHeld;
        private float lastJumpPressedTime = float.NegativeInfinity;
        private float lastGroundedTime = float.NegativeInfinity;
        private bool isJumping;
        private bool wasGrounded = true;
        private OneWayPlatform2D groundPlatform;
        private OneWayPlatform2D droppingThrough;
        private float dropThroughUntil;

        /// <summary>Raised on the physics step a jump starts.</summary>
        public event Action Jumped;

        /// <summary>Raised on the physics step the player touches the ground after being airborne.</summary>
        public event Action Landed;

        /// <summary>Whether the ground check found ground on the last physics step.</summary>
        public bool IsGrounded { get; private set; }

        /// <summary>1 when facing right, -1 when facing left.</summary>
        public int FacingDirection { get; private set; } = 1;

        /// <summary>The body's current velocity in units per second.</summary>
        public Vector2 Velocity => BodyVelocity;

        /// <summary>
        /// Disables player input while false (cutscenes, death, dialogue); physics keeps running.
        /// </summary>
        public bool InputEnabled { get; set; } = true;

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
            rb.freezeRotation = true;
            rb.interpolation = RigidbodyInterpolation2D.Interpolate;
            rb.collisionDetectionMode = CollisionDetectionMode2D.Continuous;
            rb.gravityScale = 3f;
            spriteRenderer = GetComponentInChildren<SpriteRenderer>();
        }

        private void Awake()
        {
            body = GetComponent<Rigidbody2D>();
            body.freezeRotation = true;
            baseGravityScale = body.gravityScale;
            ownColliders = GetComponentsInChildren<Collider2D>();

            groundFilter = new ContactFilter2D { useTriggers = false };
            groundFilter.SetLayerMask(groundLayers);

            if (useFrictionlessMaterial && body.sharedMaterial == null)
            {
                body.sharedMaterial = new PhysicsMaterial2D("PlayerFrictionless") { friction = 0f, bounciness = 0f };
            }
        }

        private void OnValidate()
        {
            groundCheckSize = Vector2.Max(groundCheckSize, new Vector2(0.01f, 0.01f));
        }

        private void Update()
        {
            if (!InputEnabled)
            {
                moveInput = 0f;
                downHeld = false;
                jumpHeld = false;
                return;
            }

            moveInput = PlatformerInput.Horizontal;
            downHeld = PlatformerInput.Vertical < -0.5f;
            jumpHeld = PlatformerInput.JumpHeld;
            if (PlatformerInput.JumpPressed)
            {
                lastJumpPressedTime = Time.time;
            }

            if (Mathf.Abs(moveInput) > 0.01f)
            {
                FacingDirection = moveInput > 0f ? 1 : -1;
                if (spriteRenderer != null)
                {
                    spriteRenderer.flipX = FacingDirection < 0;
                }
            }
        }

        private void FixedUpdate()
        {
            float now = Time.time;
            Vector2 velocity = BodyVelocity;

            UpdateGrounded(now, velocity);
            velocity.x = ComputeHorizontalSpeed(velocity.x, Time.fixedDeltaTime);
            velocity.y = ComputeVerticalSpeed(velocity.y, now);
            BodyVelocity = velocity;
        }

        /// <summary>Stops all motion and forgets buffered input, e.g. after a respawn or teleport.</summary>
        public void ResetMotion()
        {
            BodyVelocity = Vector2.zero;
            lastJumpPressedTime = float.NegativeInfinity;
            lastGroundedTime = float.NegativeInfinity;
            isJumping = false;
            body.gravityScale = baseGravityScale;
        }

        private void UpdateGrounded(float now, Vector2 velocity)
        {
            bool grounded = false;
            groundPlatform = null;

            // A body still moving up has just jumped or is passing up through a one-way platform.
            if (velocity.y <= 0.01f)
            {
                Vector2 center = (Vector2)transform.position + groundCheckOffset;
                int count = Physics2D.OverlapBox(center, groundCheckSize, 0f, groundFilter, groundHits);
                for (int i = 0; i < count; i++)
                {
                    Collider2D hit = groundHits[i];
                    if (hit.attachedRigidbody == body)
                    {
                        continue;
                    }

                    OneWayPlatform2D platform = hit.GetComponent<OneWayPlatform2D>();
                    if (platform != null && platform == droppingThrough && now < dropThroughUntil)
                    {
                        continue;
                    }

                    grounded = true;
                    if (platform != null)
                    {
                        groundPlatform = platform;
                    }
                }
            }

            IsGrounded = grounded;
            if (grounded)
            {
                lastGroundedTime = now;
                isJumping = false;
                if (!wasGrounded)
                {
                    Landed?.Invoke();
                }
            }

            wasGrounded = grounded;
        }

        private float ComputeHorizontalSpeed(float currentSpeed, float deltaTime)
        {
            float targetSpeed = moveInput * maxRunSpeed;
            bool hasInput = Mathf.Abs(targetSpeed) > 0.01f;
            bool turning = hasInput && Mathf.Abs(currentSpeed) > 0.01f && Mathf.Sign(targetSpeed) != Mathf.Sign(currentSpeed);

            float rate;
            if (IsGrounded)
            {
                rate = hasInput ? groundAcceleration : groundDeceleration;
                if (turning) rate = Mathf.Max(groundAcceleration, groundDeceleration);
            }
            else
            {
                rate = hasInput ? airAcceleration : airDeceleration;
                if (turning) rate = Mathf.Max(airAcceleration, airDeceleration);
            }

            return Mathf.MoveTowards(currentSpeed, targetSpeed, rate * deltaTime);
        }

        private float ComputeVerticalSpeed(float currentSpeed, float now)
        {
            bool jumpBuffered = now - lastJumpPressedTime <= jumpBufferTime;
            bool withinCoyoteTime = now - lastGroundedTime <= coyoteTime;

            if (jumpBuffered && withinCoyoteTime)
            {
                lastJumpPressedTime = float.NegativeInfinity;
                lastGroundedTime = float.NegativeInfinity;

                if (downHeld && groundPlatform != null)
                {
                    DropThrough(groundPlatform, now);
                    return currentSpeed;
                }

                isJumping = true;
                body.gravityScale = baseGravityScale;
                Jumped?.Invoke();
                return JumpSpeed();
            }

            // Variable jump height: releasing the button while rising cuts the jump once.
            if (isJumping && currentSpeed > 0f && !jumpHeld)
            {
                isJumping = false;
                currentSpeed *= jumpCutMultiplier;
            }
            else if (currentSpeed <= 0f)
            {
                isJumping = false;
            }

            body.gravityScale = currentSpeed < 0f ? baseGravityScale * fallGravityMultiplier : baseGravityScale;
            return Mathf.Max(currentSpeed, -maxFallSpeed);
        }

        private float JumpSpeed()
        {
            // v = sqrt(2gh), using the gravity this body actually feels while rising.
            float gravity = Mathf.Abs(Physics2D.gravity.y * baseGravityScale);
            return Mathf.Sqrt(2f * gravity * jumpHeight);
        }

        private void DropThrough(OneWayPlatform2D platform, float now)
        {
            droppingThrough = platform;
            dropThroughUntil = now + dropThroughDuration;
            IsGrounded = false;
            platform.DropThrough(ownColliders, dropThroughDuration);
        }

        private void OnDrawGizmosSelected()
        {
            Gizmos.color = IsGrounded ? Color.green : Color.yellow;
            Gizmos.DrawWireCube((Vector2)transform.position + groundCheckOffset, groundCheckSize);
        }
    }
}
